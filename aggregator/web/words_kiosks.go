package web

func init() {
	addWords(map[string]string{
		"ks_title": "Tình trạng ki-ốt", "ks_unit": "Đơn vị", "ks_scope": "Toàn bộ phạm vi", "ks_show": "Xem",
		"ks_kiosk": "Ki-ốt", "ks_status": "Tình trạng", "ks_last_seen": "Liên lạc lần cuối", "ks_queue": "Đang chờ gửi",
		"ks_oldest": "Lượt chờ lâu nhất", "ks_failed": "Bị từ chối", "ks_quarantined": "Bị cách ly", "ks_clock": "Lệch đồng hồ",
		"ks_version": "Phiên bản", "ks_problems": "Vấn đề", "ks_never": "chưa bao giờ", "ks_ago": "%s trước",
		"ks_summary": "Tóm tắt", "ks_none": "Không có ki-ốt nào trong phạm vi này.",
		"ks_note":          "Ki-ốt mất liên lạc khi không gửi tín hiệu quá %s; tồn đọng khi có lượt đánh giá chờ gửi quá %s; đồng hồ lệch quá %s được đánh dấu. Việc đăng ký, thu hồi, cấp khoá ở trang Quản trị › Ki-ốt.",
		"ks_st_never_seen": "Chưa kết nối", "ks_st_silent": "Mất liên lạc", "ks_st_stuck": "Tồn đọng", "ks_st_attention": "Cần xem",
		"ks_st_ok": "Bình thường", "ks_st_revoked": "Đã thu hồi",
		"ks_p_never_seen": "chưa kết nối", "ks_p_silent": "mất liên lạc", "ks_p_stuck": "lượt đánh giá chờ gửi quá lâu",
		"ks_p_unit_mismatch": "cấu hình sai đơn vị", "ks_p_clock_skew": "đồng hồ lệch", "ks_p_failed": "có lượt bị từ chối",
		"ks_p_quarantined": "có lượt bị cách ly", "ks_p_error": "lỗi gửi gần nhất",
		"ks_s": "giây",
	}, map[string]string{
		"ks_title": "Kiosk health", "ks_unit": "Unit", "ks_scope": "Your whole scope", "ks_show": "Show",
		"ks_kiosk": "Kiosk", "ks_status": "Status", "ks_last_seen": "Last seen", "ks_queue": "Queued",
		"ks_oldest": "Oldest queued", "ks_failed": "Refused", "ks_quarantined": "Quarantined", "ks_clock": "Clock offset",
		"ks_version": "Version", "ks_problems": "Problems", "ks_never": "never", "ks_ago": "%s ago",
		"ks_summary": "Summary", "ks_none": "No kiosk in this scope.",
		"ks_note":          "A kiosk is silent when not heard from for over %s; stuck when a rating has waited to be sent for over %s; a clock off by more than %s is flagged. Enrolment, revocation and credentials are under Administration › Kiosks.",
		"ks_st_never_seen": "Never seen", "ks_st_silent": "Silent", "ks_st_stuck": "Stuck", "ks_st_attention": "Attention",
		"ks_st_ok": "OK", "ks_st_revoked": "Revoked",
		"ks_p_never_seen": "never connected", "ks_p_silent": "silent", "ks_p_stuck": "ratings waiting too long",
		"ks_p_unit_mismatch": "configured for another unit", "ks_p_clock_skew": "clock off", "ks_p_failed": "ratings refused",
		"ks_p_quarantined": "ratings quarantined", "ks_p_error": "last upload failed",
		"ks_s": "s",
	})
}
