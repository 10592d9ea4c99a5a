package web

// The words of the administration pages of people and of the API tokens
// page.
func init() {
	vi, en := map[string]string{
		"admin": "Quản trị", "users": "Người dùng", "users_about": "Thêm người dùng, đổi vai trò và phạm vi, khoá tài khoản, đặt lại mật khẩu.",
		"audit": "Nhật ký hoạt động", "audit_about": "Ai đã làm gì, khi nào, từ đâu.",
		"tokens": "Khoá API của tôi", "tokens_about": "Khoá cho các chương trình báo cáo đọc số liệu thay bạn.",
		"add": "Thêm người dùng", "username": "Tên đăng nhập", "name": "Họ tên", "role": "Vai trò", "scope": "Phạm vi (mã đơn vị)",
		"password": "Mật khẩu ban đầu", "password_hint": "Để trống để hệ thống tự tạo; mật khẩu chỉ hiện một lần.",
		"state": "Trạng thái", "active": "Đang hoạt động", "disabled": "Đã khoá",
		"save": "Lưu thay đổi", "change": "Đổi vai trò, phạm vi", "self": "Đây là tài khoản của bạn: đổi mật khẩu ở trang Đổi mật khẩu.",
		"token_list": "Các khoá đã tạo", "disable": "Khoá tài khoản", "enable": "Mở khoá tài khoản", "reset": "Đặt lại mật khẩu",
		"added": "Đã thêm người dùng %s.", "updated": "Đã cập nhật người dùng %s. Các phiên đăng nhập của người này đã kết thúc.",
		"reset_done":      "Đã đặt lại mật khẩu của %s. Các phiên đăng nhập của người này đã kết thúc.",
		"secret_password": "Mật khẩu mới (chỉ hiện lần này, hãy chuyển cho người dùng một cách an toàn):",
		"invalid":         "Thông tin chưa hợp lệ:", "forbidden": "Bạn không được làm việc này:", "not_found": "Không tìm thấy.",
		"none": "Chưa có.", "created": "Tạo lúc",
		"token_name": "Tên khoá (ví dụ: tên chương trình)", "expires_in": "Hết hạn sau", "days": "%d ngày",
		"create": "Tạo khoá", "revoke": "Thu hồi", "expires": "Hết hạn", "last_used": "Dùng lần cuối", "never": "Chưa dùng",
		"revoked": "Đã thu hồi", "expired": "Đã hết hạn", "valid": "Còn hiệu lực",
		"token_created": "Đã tạo khoá %s.", "secret_token": "Khoá API (chỉ hiện lần này, hãy lưu lại ngay):",
		"token_revoked": "Đã thu hồi khoá %s. Khoá không còn dùng được.",
		"at":            "Thời gian", "actor": "Người thực hiện", "action": "Hành động", "target": "Đối tượng", "detail": "Chi tiết",
		"addr": "Từ địa chỉ", "result": "Kết quả", "ok": "Thành công", "failed": "Không thành công", "filter": "Lọc",
		"all": "Tất cả", "audit_note": "Giờ Việt Nam. Hiện tối đa %d sự kiện mới nhất.",
		"stale": "Trang đã hết hạn. Xin thử lại.",
	}, map[string]string{
		"admin": "Administration", "users": "Users", "users_about": "Add users, change their role and scope, disable accounts, reset passwords.",
		"audit": "Audit log", "audit_about": "Who did what, when, from where.",
		"tokens": "My API tokens", "tokens_about": "Tokens for reporting programs that read figures on your behalf.",
		"add": "Add a user", "username": "Username", "name": "Full name", "role": "Role", "scope": "Scope (unit code)",
		"password": "Initial password", "password_hint": "Leave empty to have one generated; it is shown only once.",
		"state": "State", "active": "Active", "disabled": "Disabled",
		"save": "Save changes", "change": "Change role or scope", "self": "This is your own account: change your password on the password page.",
		"token_list": "Tokens made", "disable": "Disable account", "enable": "Enable account", "reset": "Reset password",
		"added": "User %s has been added.", "updated": "User %s has been updated. Their sessions have ended.",
		"reset_done":      "The password of %s has been reset. Their sessions have ended.",
		"secret_password": "New password (shown only now; pass it on to the user safely):",
		"invalid":         "Some input is not valid:", "forbidden": "You may not do this:", "not_found": "Not found.",
		"none": "None yet.", "created": "Created",
		"token_name": "Token name (e.g. the program's)", "expires_in": "Expires in", "days": "%d days",
		"create": "Create token", "revoke": "Revoke", "expires": "Expires", "last_used": "Last used", "never": "Never",
		"revoked": "Revoked", "expired": "Expired", "valid": "Valid",
		"token_created": "Token %s has been created.", "secret_token": "API token (shown only now; store it at once):",
		"token_revoked": "Token %s has been revoked. It no longer works.",
		"at":            "Time", "actor": "Actor", "action": "Action", "target": "Target", "detail": "Detail",
		"addr": "From address", "result": "Result", "ok": "Succeeded", "failed": "Failed", "filter": "Filter",
		"all": "All", "audit_note": "Vietnam time. At most the %d newest events are shown.",
		"stale": "The page had expired. Please try again.",
	}
	addAreaWords("people", vi, en)
}
