package web

// The words of the webhooks page.
func init() {
	addAreaWords("fleet", map[string]string{
		"webhooks": "Webhook", "webhooks_d": "Gửi cảnh báo và đánh giá mới tới hệ thống khác qua HTTP, có ký số.",
	}, map[string]string{
		"webhooks": "Webhooks", "webhooks_d": "Send alerts and new ratings to other systems over HTTP, signed.",
	})
	addAreaWords("webhooks", map[string]string{
		"title": "Webhook", "about": "Mỗi đăng ký nhận các sự kiện đã chọn của đơn vị và các đơn vị trực thuộc, gửi bằng POST có chữ ký HMAC-SHA256. Cách kiểm tra chữ ký, lịch gửi lại và danh sách gửi lỗi: docs/WEBHOOKS.md.",
		"new": "Đăng ký mới", "url": "Địa chỉ nhận (URL)", "url_hint": "http:// hoặc https://, không chứa tên đăng nhập hay mật khẩu.",
		"events": "Sự kiện", "unit": "Đơn vị (phạm vi)", "description": "Ghi chú", "create": "Đăng ký",
		"ev_alert.opened": "Cảnh báo mở (alert.opened)", "ev_alert.closed": "Cảnh báo đóng (alert.closed)", "ev_rating.stored": "Đánh giá mới (rating.stored)",
		"secret_title": "Khoá ký — chỉ hiển thị một lần", "secret_for": "Khoá của",
		"secret_help": "Sao chép ngay khoá này vào cấu hình của hệ thống nhận để kiểm tra chữ ký. Khi rời trang, không ai xem lại được; nếu mất, hãy xoá đăng ký và tạo lại.",
		"list":        "Các đăng ký", "empty": "Chưa có đăng ký nào.", "enabled": "đang bật", "disabled": "đã tắt",
		"enable": "Bật", "disable": "Tắt", "delete": "Xoá", "test": "Gửi thử",
		"log": "Nhật ký gửi", "no_log": "Chưa gửi lần nào.", "delivery": "Lần gửi", "state": "Trạng thái", "attempts": "Số lần thử",
		"status": "Mã trả về", "error": "Lỗi", "at": "Lúc", "next": "Thử lại lúc", "count": "Số sự kiện",
		"st_pending": "chờ gửi", "st_retrying": "đang thử lại", "st_delivered": "đã gửi", "st_dead": "thất bại", "st_unknown": "không rõ (máy chủ dừng đột ngột)",
		"dead": "Gửi thất bại (chờ gửi lại)", "no_dead": "Không có lần gửi nào thất bại.", "resend": "Gửi lại", "died": "Thất bại lúc",
		"created": "Đã đăng ký.", "enabled_ok": "Đã bật.", "disabled_ok": "Đã tắt.", "deleted": "Đã xoá.",
		"tested": "Đã xếp lịch gửi thử; xem kết quả trong nhật ký gửi.", "resent": "Đã xếp lịch gửi lại.",
		"failed": "Không thực hiện được:", "subscription": "Đăng ký", "invalid": "Đăng ký chưa hợp lệ: xem lỗi ghi bên dưới từng ô.",
	}, map[string]string{
		"title": "Webhooks", "about": "Each subscription receives the chosen events of a unit and the units under it, POSTed with an HMAC-SHA256 signature. How to verify it, the retry schedule and dead letters: docs/WEBHOOKS.md.",
		"new": "New subscription", "url": "Receiver URL", "url_hint": "http:// or https://, without a user name or password.",
		"events": "Events", "unit": "Unit (scope)", "description": "Note", "create": "Subscribe",
		"ev_alert.opened": "Alert opened (alert.opened)", "ev_alert.closed": "Alert closed (alert.closed)", "ev_rating.stored": "New rating (rating.stored)",
		"secret_title": "Signing secret — shown only once", "secret_for": "Secret of",
		"secret_help": "Copy this secret now into the receiver's configuration, to verify signatures. Once you leave this page nobody can show it again; if it is lost, delete the subscription and make a new one.",
		"list":        "Subscriptions", "empty": "No subscriptions yet.", "enabled": "enabled", "disabled": "disabled",
		"enable": "Enable", "disable": "Disable", "delete": "Delete", "test": "Send a test",
		"log": "Delivery log", "no_log": "Nothing sent yet.", "delivery": "Delivery", "state": "State", "attempts": "Attempts",
		"status": "Status code", "error": "Error", "at": "At", "next": "Next attempt", "count": "Events",
		"st_pending": "pending", "st_retrying": "retrying", "st_delivered": "delivered", "st_dead": "dead", "st_unknown": "unknown (the server stopped abruptly)",
		"dead": "Dead letters", "no_dead": "No failed deliveries.", "resend": "Resend", "died": "Died",
		"created": "Subscribed.", "enabled_ok": "Enabled.", "disabled_ok": "Disabled.", "deleted": "Deleted.",
		"tested": "A test is queued; its outcome shows in the delivery log.", "resent": "Queued again.",
		"failed": "Not done:", "subscription": "Subscription", "invalid": "The subscription is not valid: see the error under each field.",
	})
}
