package web

func init() {
	addAreaWords("al", map[string]string{
		"title": "Cảnh báo", "rules_title": "Quy tắc cảnh báo", "nav": "Cảnh báo",
		"unit": "Đơn vị", "scope": "Toàn bộ phạm vi của bạn", "state": "Trạng thái", "kind": "Loại", "from": "Mở từ ngày", "to": "Đến ngày",
		"any": "Tất cả", "show": "Xem", "none": "Không có cảnh báo nào khớp bộ lọc.",
		"st_open": "Đang mở", "st_acknowledged": "Đã tiếp nhận", "st_closed": "Đã đóng",
		"k_negative_share": "Tỷ lệ không hài lòng", "k_index_below": "Chỉ số dưới ngưỡng", "k_answer_count": "Số lượt một câu trả lời",
		"k_silence": "Không có đánh giá trong giờ làm việc", "k_queue_age": "Ki-ốt giữ đánh giá chưa gửi",
		"opened": "Mở lúc", "value": "Đo được", "threshold": "Ngưỡng", "ratings": "Số lượt đánh giá", "window_from": "Tính từ",
		"acknowledged_by": "Tiếp nhận bởi", "closed_by": "Đóng bởi", "comments": "Ghi chú",
		"acknowledge": "Tiếp nhận", "comment": "Ghi chú", "add_comment": "Thêm ghi chú", "close": "Đóng cảnh báo",
		"hours": "giờ", "rule": "Quy tắc",
		"bad_unit": "Không có đơn vị này.", "bad_state": "Trạng thái không hợp lệ.", "bad_kind": "Loại không hợp lệ.",
		"bad_date": "Ngày phải có dạng ngày/tháng/năm, ví dụ 30/11/2026.", "to_before_from": "Ngày kết thúc không được trước ngày bắt đầu.",
		"bad_action": "Thao tác không hợp lệ: hãy dùng các nút Tiếp nhận, Thêm ghi chú hoặc Đóng cảnh báo của một cảnh báo.", "no_alert": "Không có cảnh báo này trong phạm vi của bạn.", "bad_comment": "Hãy viết ghi chú từ 1 đến 2.000 ký tự.",
		"conflict":   "Cảnh báo đã thay đổi: đã được tiếp nhận hoặc đã đóng.",
		"hours_note": "Giờ làm việc khi tính “không có đánh giá”: thứ Hai đến thứ Sáu, 7:30–11:30 và 13:30–17:00 (giờ Việt Nam).",
		"manage":     "Quản lý quy tắc cảnh báo",
		"new_rule":   "Thêm quy tắc", "name": "Tên quy tắc", "every_unit": "Mọi đơn vị", "measure": "Chỉ số",
		"question": "Câu hỏi (Thông tư 01)", "answer": "Câu trả lời (điểm 0, 1, 2)",
		"threshold_help": "Tỷ lệ: 0–1 (0,3 là 30 %); Happy Index: 0–100; chỉ số Thông tư 01: 0–2; số lượt: từ 1.",
		"window_hours":   "Khoảng thời gian (giờ)", "window_help": "Quy tắc theo đánh giá tính theo ngày trọn vẹn: 168 giờ là hôm nay và 6 ngày trước.",
		"min_ratings": "Số lượt đánh giá tối thiểu", "enabled": "Đang bật", "disabled": "Đang tắt", "default": "Mặc định",
		"save": "Lưu", "create": "Thêm", "edit": "Sửa, bật, tắt hoặc xoá", "enable": "Bật", "disable": "Tắt", "delete": "Xoá",
		"not_yours": "Quy tắc của cấp trên: chỉ xem.", "saved": "Đã lưu quy tắc.", "deleted": "Đã xoá quy tắc.",
	}, map[string]string{
		"title": "Alerts", "rules_title": "Alert rules", "nav": "Alerts",
		"unit": "Unit", "scope": "All of your scope", "state": "State", "kind": "Kind", "from": "Opened from", "to": "To",
		"any": "Any", "show": "Show", "none": "No alert matches the filter.",
		"st_open": "Open", "st_acknowledged": "Acknowledged", "st_closed": "Closed",
		"k_negative_share": "Share of negative ratings", "k_index_below": "Measure below threshold", "k_answer_count": "Count of an answer",
		"k_silence": "No ratings in opening hours", "k_queue_age": "Kiosk holding unsent ratings",
		"opened": "Opened", "value": "Measured", "threshold": "Threshold", "ratings": "Ratings", "window_from": "Counted from",
		"acknowledged_by": "Acknowledged by", "closed_by": "Closed by", "comments": "Comments",
		"acknowledge": "Acknowledge", "comment": "Comment", "add_comment": "Add comment", "close": "Close alert",
		"hours": "hours", "rule": "Rule",
		"bad_unit": "There is no such unit.", "bad_state": "Not a state.", "bad_kind": "Not a kind of rule.",
		"bad_date": "Dates are year-month-day, e.g. 2026-11-30.", "to_before_from": "The end date must not be before the start date.",
		"bad_action": "Not an action: use an alert's buttons Acknowledge, Add comment or Close alert.", "no_alert": "There is no such alert in your scope.", "bad_comment": "Write a comment of 1 to 2,000 characters.",
		"conflict":   "The alert has changed: acknowledged or closed already.",
		"hours_note": "Opening hours for “no ratings”: Monday to Friday, 7:30–11:30 and 13:30–17:00 (Vietnam time).",
		"manage":     "Manage alert rules",
		"new_rule":   "Add a rule", "name": "Rule name", "every_unit": "Every unit", "measure": "Measure",
		"question": "Question (Circular 01)", "answer": "Answer (score 0, 1, 2)",
		"threshold_help": "Shares: 0–1 (0.3 is 30%); Happy Index: 0–100; Circular 01 indices: 0–2; counts: from 1.",
		"window_hours":   "Window (hours)", "window_help": "Rules over ratings count whole days: 168 hours is today and the 6 days before.",
		"min_ratings": "Minimum number of ratings", "enabled": "Enabled", "disabled": "Disabled", "default": "Default",
		"save": "Save", "create": "Add", "edit": "Edit, enable, disable or delete", "enable": "Enable", "disable": "Disable", "delete": "Delete",
		"not_yours": "A rule of a unit above yours: read only.", "saved": "Rule saved.", "deleted": "Rule deleted.",
	})
}

// alertWord returns a word of the alert pages in lang.
func alertWord(lang, key string) string {
	if lang != "en" {
		lang = "vi"
	}
	return words[lang]["al_"+key]
}
