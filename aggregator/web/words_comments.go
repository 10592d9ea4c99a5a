package web

func init() {
	addWords(map[string]string{
		"cm_title": "Ý kiến của người dân", "cm_filters": "Lọc ý kiến", "cm_unit": "Đơn vị", "cm_scope": "Toàn bộ phạm vi",
		"cm_period": "Kỳ", "cm_period_hint": "Quý 2026-Q3, tháng 2026-11 hoặc năm 2026; để trống là quý hiện tại.",
		"cm_from": "Từ ngày", "cm_to": "Đến ngày", "cm_range": "Hoặc chọn khoảng ngày",
		"cm_level": "Mức độ", "cm_levels": "một trong: dissatisfied, neutral, satisfied",
		"cm_all": "Tất cả", "cm_procedure": "Thủ tục", "cm_procedure_hint": "Mã thủ tục, ví dụ 1.004122.",
		"cm_channel": "Kênh", "cm_show": "Xem", "cm_date": "Ngày", "cm_text": "Ý kiến",
		"cm_mood_dissatisfied": "Không hài lòng", "cm_mood_neutral": "Bình thường", "cm_mood_satisfied": "Hài lòng",
		"cm_channel_kiosk": "Tại trung tâm", "cm_channel_qr": "Qua mã QR",
		"cm_total": "ý kiến phù hợp", "cm_none": "Không có ý kiến nào phù hợp với bộ lọc.",
		"cm_older": "Ý kiến cũ hơn", "cm_newest": "Về ý kiến mới nhất", "cm_results": "Kết quả",
		"cm_capped":  "Tệp chỉ gồm %s ý kiến mới nhất trong số %s ý kiến phù hợp; hãy thu hẹp bộ lọc để tải phần còn lại.",
		"cm_privacy": "Ý kiến được hiển thị đúng như người dân đã viết; không có thông tin cá nhân của người đánh giá.",
		"cm_fix":     "Hãy sửa các ô được đánh dấu.",
	}, map[string]string{
		"cm_title": "Citizens' comments", "cm_filters": "Filter comments", "cm_unit": "Unit", "cm_scope": "Your whole scope",
		"cm_period": "Period", "cm_period_hint": "A quarter 2026-Q3, a month 2026-11 or a year 2026; empty is this quarter.",
		"cm_from": "From", "cm_to": "To", "cm_range": "Or choose a range of days",
		"cm_level": "Level", "cm_levels": "one of dissatisfied, neutral, satisfied",
		"cm_all": "All", "cm_procedure": "Procedure", "cm_procedure_hint": "A procedure code, e.g. 1.004122.",
		"cm_channel": "Channel", "cm_show": "Show", "cm_date": "Date", "cm_text": "Comment",
		"cm_mood_dissatisfied": "Not satisfied", "cm_mood_neutral": "Neutral", "cm_mood_satisfied": "Satisfied",
		"cm_channel_kiosk": "At the centre", "cm_channel_qr": "By QR code",
		"cm_total": "matching comments", "cm_none": "No comment matches the filters.",
		"cm_older": "Older comments", "cm_newest": "Back to the newest", "cm_results": "Results",
		"cm_capped":  "The file holds the newest %s of %s matching comments; narrow the filters to download the rest.",
		"cm_privacy": "Comments are shown as the citizens wrote them; nothing identifies who wrote them.",
		"cm_fix":     "Please correct the marked fields.",
	})
}
