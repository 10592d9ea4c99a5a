package web

// The words of the sign-in, password and notice pages.
func init() {
	vi, en := map[string]string{
		"login": "Đăng nhập", "username": "Tên đăng nhập", "password": "Mật khẩu", "submit": "Đăng nhập",
		"failed":        "Tên đăng nhập hoặc mật khẩu không đúng.",
		"throttled":     "Đăng nhập sai quá nhiều lần. Xin thử lại sau ít phút.",
		"text_username": "Tên đăng nhập có ký tự không dùng được (ký tự điều khiển, hoặc không phải chữ UTF-8). Xin gõ lại.",
		"text_password": "Mật khẩu có ký tự không dùng được (ký tự điều khiển, hoặc không phải chữ UTF-8). Xin gõ lại.",
		"stale":         "Trang đã hết hạn. Xin thử lại.", "again": "Thử lại",
		"change": "Đổi mật khẩu", "old": "Mật khẩu hiện tại", "new": "Mật khẩu mới", "new2": "Nhập lại mật khẩu mới",
		"save": "Đổi mật khẩu", "mismatch": "Hai lần nhập mật khẩu mới không giống nhau.",
		"wrong_old": "Mật khẩu hiện tại không đúng.", "weak": "Mật khẩu mới chưa đạt yêu cầu:",
		"changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.", "home": "Về trang chính",
		"signed_in": "Đang đăng nhập:", "logout": "Đăng xuất", "hint": "Ít nhất 12 ký tự, gồm ít nhất hai loại: chữ, số, ký hiệu.",
		"sso": "Đăng nhập bằng tài khoản tỉnh", "or": "hoặc",
		"sso_failed":      "Không đăng nhập được bằng tài khoản tỉnh. Tài khoản này có thể chưa được cấp quyền vào hệ thống, hoặc lượt đăng nhập đã hết hạn. Xin thử lại hoặc liên hệ quản trị viên.",
		"sso_denied":      "Đăng nhập bằng tài khoản tỉnh đã bị hủy hoặc bị từ chối.",
		"sso_error":       "Dịch vụ đăng nhập của tỉnh báo lỗi. Xin thử lại sau.",
		"sso_unavailable": "Hiện không kết nối được dịch vụ đăng nhập của tỉnh. Xin thử lại sau hoặc đăng nhập bằng mật khẩu.",
	}, map[string]string{
		"login": "Sign in", "username": "Username", "password": "Password", "submit": "Sign in",
		"failed":        "The username or password is not correct.",
		"throttled":     "Too many failed attempts. Please try again in a few minutes.",
		"text_username": "The username holds a character that cannot be used (a control character, or text that is not UTF-8). Please type it again.",
		"text_password": "The password holds a character that cannot be used (a control character, or text that is not UTF-8). Please type it again.",
		"stale":         "The page had expired. Please try again.", "again": "Try again",
		"change": "Change password", "old": "Current password", "new": "New password", "new2": "New password again",
		"save": "Change password", "mismatch": "The two new passwords are not the same.",
		"wrong_old": "The current password is not correct.", "weak": "The new password is not acceptable:",
		"changed": "Your password has been changed. Your other sessions have ended.", "home": "Back to the dashboard",
		"signed_in": "Signed in as", "logout": "Sign out", "hint": "At least 12 characters, of at least two kinds: letters, digits, other signs.",
		"sso": "Sign in with the province account", "or": "or",
		"sso_failed":      "Signing in with the province account did not succeed. This account may not have access to this system, or the sign-in took too long. Please try again or ask an administrator.",
		"sso_denied":      "Signing in with the province account was cancelled or refused.",
		"sso_error":       "The province's sign-in service reported an error. Please try again later.",
		"sso_unavailable": "The province's sign-in service cannot be reached. Please try again later, or sign in with a password.",
	}
	addAreaWords("account", vi, en)
}
