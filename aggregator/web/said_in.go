package web

import "regexp"

// The services behind the administration pages (access, webhooks) refuse
// in English, which the API answers as it is. A Vietnamese page says the
// same in Vietnamese: each message they give is matched whole here and
// written again with its values. TestEveryRefusalOfThePeoplePagesIsSaidInVietnamese
// makes each of the access service's refusals and checks that it is.
var saidInVietnamese = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^There is no role "(.*)"\.$`), "Không có vai trò “$1”."},
	{regexp.MustCompile(`^There is no unit "(.*)" in force today\.$`), "Không có đơn vị “$1” đang có hiệu lực hôm nay."},
	{regexp.MustCompile(`^You may not grant role "(.*)": it has rights you do not have\.$`), "Bạn không được cấp vai trò “$1”: vai trò này có quyền mà bạn không có."},
	{regexp.MustCompile(`^You may not grant scope "(.*)": it is outside your own scope\.$`), "Bạn không được cấp phạm vi “$1”: đơn vị này nằm ngoài phạm vi của bạn."},
	{regexp.MustCompile(`^Use 2 to 64 lower-case letters, digits, '\.', '_', '-', '@' or '\+', starting with a letter or digit\.$`),
		"Tên đăng nhập gồm 2 đến 64 ký tự: chữ thường không dấu, chữ số, '.', '_', '-', '@' hoặc '+', bắt đầu bằng chữ hoặc số."},
	{regexp.MustCompile(`^Use at most 200 characters\.$`), "Tối đa 200 ký tự."},
	{regexp.MustCompile(`^There is no user "(.*)"\.$`), "Không có người dùng “$1”."},
	{regexp.MustCompile(`^User "(.*)" already exists\.$`), "Người dùng “$1” đã có."},
	{regexp.MustCompile(`^User "(.*)" is disabled\.$`), "Người dùng “$1” đang bị khoá."},
	{regexp.MustCompile(`^You may not change your own account here; change your password on the password page\.$`),
		"Bạn không thể tự sửa tài khoản của mình ở đây; hãy đổi mật khẩu ở trang Đổi mật khẩu."},
	{regexp.MustCompile(`^You may not manage user "(.*)": their role has rights you do not have\.$`), "Bạn không được quản lý người dùng “$1”: vai trò của họ có quyền mà bạn không có."},
	{regexp.MustCompile(`^You may not do this\.$`), "Bạn không được làm việc này."},
	{regexp.MustCompile(`^The password is not valid UTF-8\.$`), "Mật khẩu có ký tự không hợp lệ."},
	{regexp.MustCompile(`^Use at least (\d+) characters\.$`), "Mật khẩu cần ít nhất $1 ký tự."},
	{regexp.MustCompile(`^Use at most (\d+) characters\.$`), "Mật khẩu tối đa $1 ký tự."},
	{regexp.MustCompile(`^The password must not be the username\.$`), "Mật khẩu không được trùng tên đăng nhập."},
	{regexp.MustCompile(`^Mix at least two kinds of character: letters, digits, other signs\.$`), "Hãy dùng ít nhất hai loại ký tự: chữ, chữ số, ký hiệu khác."},
	{regexp.MustCompile(`^Use at least 5 different characters\.$`), "Hãy dùng ít nhất 5 ký tự khác nhau."},
	{regexp.MustCompile(`^Give an address such as name@example\.gov\.vn, at most 254 characters\.$`), "Hãy nhập một địa chỉ như ten@example.gov.vn, tối đa 254 ký tự."},
	{regexp.MustCompile(`^The unit (.*) is outside your scope\.$`), "Đơn vị $1 nằm ngoài phạm vi của bạn."},
	{regexp.MustCompile(`^The alert is outside your scope\.$`), "Cảnh báo này nằm ngoài phạm vi của bạn."},
	{regexp.MustCompile(`^Name the token \(1 to 100 characters\), e\.g\. after the program that uses it\.$`), "Hãy đặt tên cho khoá (1 đến 100 ký tự), ví dụ theo chương trình dùng nó."},
	{regexp.MustCompile(`^An API token may not make tokens; sign in\.$`), "Khoá API không được tạo khoá khác; hãy đăng nhập."},
	{regexp.MustCompile(`^There is no token "(.*)"\.$`), "Không có khoá “$1”."},
}

// saidIn returns msg in lang: the Vietnamese of saidInVietnamese for "vi",
// msg itself for English or a message it does not hold.
func saidIn(lang, msg string) string {
	if lang != "vi" {
		return msg
	}
	for _, m := range saidInVietnamese {
		if m.re.MatchString(msg) {
			return m.re.ReplaceAllString(msg, m.vi)
		}
	}
	return msg
}
