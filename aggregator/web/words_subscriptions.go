package web

// The words of the subscriptions page.
func init() {
	vi, en := map[string]string{
		"title": "Nhận thư báo", "nav": "Nhận thư báo",
		"about":       "Nhận cảnh báo của một đơn vị ngay khi mở, hoặc bản tóm tắt tuần, tháng và báo cáo quý sau khi kỳ kết thúc, qua thư điện tử.",
		"mail_off":    "Máy chủ chưa được cấu hình gửi thư (SMTP): hiện chưa có thư nào được gửi. Bạn vẫn có thể đăng ký trước.",
		"email_title": "Địa chỉ nhận thư", "email": "Địa chỉ email", "email_save": "Lưu địa chỉ email",
		"email_hint": "Để trống nếu không muốn nhận thư.",
		"no_email":   "Bạn chưa có địa chỉ email: các đăng ký dưới đây chưa gửi được thư.",
		"add":        "Đăng ký mới", "unit": "Đơn vị (trong phạm vi của bạn)", "kind": "Loại thư", "mail_lang": "Ngôn ngữ của thư",
		"kind_alerts": "Cảnh báo", "kind_weekly": "Tóm tắt tuần", "kind_monthly": "Tóm tắt tháng", "kind_quarterly": "Báo cáo quý (PDF)",
		"subscribe": "Đăng ký", "list": "Các đăng ký của tôi", "none": "Chưa có đăng ký nào.", "created": "Đăng ký lúc",
		"last": "Kỳ đã gửi gần nhất", "remove": "Huỷ đăng ký",
		"added": "Đã đăng ký.", "removed": "Đã huỷ đăng ký.", "email_saved": "Đã lưu địa chỉ email.",
		"fix":          "Thông tin chưa hợp lệ, xin xem lại các ô được đánh dấu.",
		"err_required": "Xin chọn một đơn vị.", "err_scope": "Đơn vị này không nằm trong phạm vi của bạn.",
		"err_not_in_force": "Đơn vị “%s” đã chấm dứt khi sắp xếp lại đơn vị hành chính và không còn báo cáo; xin đăng ký nhận của đơn vị kế thừa.",
		"err_no_right":     "Vai trò của bạn không có quyền nhận loại thư này: cần quyền xem số liệu, và với báo cáo quý cần thêm quyền tải báo cáo.",
		"err_kind":         "Xin chọn loại thư: cảnh báo, tóm tắt tuần, tóm tắt tháng hoặc báo cáo quý.", "err_lang": "Xin chọn tiếng Việt hoặc tiếng Anh.",
		"err_repeat": "Bạn đã đăng ký loại thư này cho đơn vị này rồi.", "err_too_many": "Bạn đã có quá nhiều đăng ký; xin huỷ bớt.",
		"err_email": "Địa chỉ email chưa hợp lệ, ví dụ: ten@example.gov.vn.",
	}, map[string]string{
		"title": "Email subscriptions", "nav": "Email subscriptions",
		"about":       "Receive a unit's alerts as they open, or the weekly and monthly summaries and the quarterly report after each period closes, by email.",
		"mail_off":    "No mail server (SMTP) is configured: no email is sent for now. You may subscribe already.",
		"email_title": "Where emails go", "email": "Email address", "email_save": "Save the email address",
		"email_hint": "Leave empty to receive no email.",
		"no_email":   "You have no email address: the subscriptions below cannot send you anything yet.",
		"add":        "New subscription", "unit": "Unit (in your scope)", "kind": "Kind of email", "mail_lang": "Language of the emails",
		"kind_alerts": "Alerts", "kind_weekly": "Weekly summary", "kind_monthly": "Monthly summary", "kind_quarterly": "Quarterly report (PDF)",
		"subscribe": "Subscribe", "list": "My subscriptions", "none": "No subscriptions yet.", "created": "Subscribed",
		"last": "Last period sent", "remove": "Unsubscribe",
		"added": "Subscribed.", "removed": "Unsubscribed.", "email_saved": "The email address has been saved.",
		"fix":          "Some input is not valid; see the marked fields.",
		"err_required": "Choose a unit.", "err_scope": "This unit is not in your scope.",
		"err_not_in_force": "Unit “%s” ended in a reorganisation and has no reports any more; subscribe to the unit that took it over.",
		"err_no_right":     "Your role does not hold the right to this kind of email: it needs measures.read, and the quarterly report exports.read too.",
		"err_kind":         "Choose alerts, weekly summary, monthly summary or quarterly report.", "err_lang": "Choose Vietnamese or English.",
		"err_repeat": "You already have this subscription for this unit.", "err_too_many": "You have too many subscriptions; remove some first.",
		"err_email": "The email address is not valid, e.g. name@example.gov.vn.",
	}
	addAreaWords("subscriptions", vi, en)
}
