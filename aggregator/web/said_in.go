package web

import (
	"fmt"

	"hailong"
)

// The services behind the administration pages (access, webhooks) refuse
// in English, which the API answers as it is. A Vietnamese page says the
// same in Vietnamese: each refusal carries how it was made (hailong.Said:
// its English format and its values), and saidInVietnamese gives the
// format's Vietnamese, into which the same values go. Matching the
// English messages themselves broke silently whenever one was reworded.
// TestEveryRefusalOfThePeoplePagesIsSaidInVietnamese makes each of the
// access service's refusals and checks that it is said in Vietnamese.
var saidInVietnamese = map[string]string{
	"There is no role %q.":                                                                                "Không có vai trò “%s”.",
	"There is no unit %q in force today.":                                                                 "Không có đơn vị “%s” đang có hiệu lực hôm nay.",
	"You may not grant role %q: it has rights you do not have.":                                           "Bạn không được cấp vai trò “%s”: vai trò này có quyền mà bạn không có.",
	"You may not grant scope %q: it is outside your own scope.":                                           "Bạn không được cấp phạm vi “%s”: đơn vị này nằm ngoài phạm vi của bạn.",
	"Use 2 to 64 lower-case letters, digits, '.', '_', '-', '@' or '+', starting with a letter or digit.": "Tên đăng nhập gồm 2 đến 64 ký tự: chữ thường không dấu, chữ số, '.', '_', '-', '@' hoặc '+', bắt đầu bằng chữ hoặc số.",
	"Use at most 200 characters.":                                                                         "Tối đa 200 ký tự.",
	"There is no user %q.":                                                                                "Không có người dùng “%s”.",
	"User %q already exists.":                                                                             "Người dùng “%s” đã có.",
	"User %q is disabled.":                                                                                "Người dùng “%s” đang bị khoá.",
	"You may not change your own account here; change your password on the password page.":                "Bạn không thể tự sửa tài khoản của mình ở đây; hãy đổi mật khẩu ở trang Đổi mật khẩu.",
	"You may not manage user %q: their role has rights you do not have.":                                  "Bạn không được quản lý người dùng “%s”: vai trò của họ có quyền mà bạn không có.",
	"You may not do this.":                                                                                "Bạn không được làm việc này.",
	"The password is not valid UTF-8.":                                                                    "Mật khẩu có ký tự không hợp lệ.",
	"Use at least %d characters.":                                                                         "Mật khẩu cần ít nhất %d ký tự.",
	"Use at most %d characters.":                                                                          "Mật khẩu tối đa %d ký tự.",
	"The password must not be the username.":                                                              "Mật khẩu không được trùng tên đăng nhập.",
	"Mix at least two kinds of character: letters, digits, other signs.":                                  "Hãy dùng ít nhất hai loại ký tự: chữ, chữ số, ký hiệu khác.",
	"Use at least 5 different characters.":                                                                "Hãy dùng ít nhất 5 ký tự khác nhau.",
	"Give an address such as name@example.gov.vn, at most 254 characters.":                                "Hãy nhập một địa chỉ như ten@example.gov.vn, tối đa 254 ký tự.",
	"The unit %s is outside your scope.":                                                                  "Đơn vị %s nằm ngoài phạm vi của bạn.",
	"The alert is outside your scope.":                                                                    "Cảnh báo này nằm ngoài phạm vi của bạn.",
	"Name the token (1 to 100 characters), e.g. after the program that uses it.":                          "Hãy đặt tên cho khoá (1 đến 100 ký tự), ví dụ theo chương trình dùng nó.",
	"An API token may not make tokens; sign in.":                                                          "Khoá API không được tạo khoá khác; hãy đăng nhập.",
	"Choose a lifetime of %s days.":                                                                       "Hãy chọn thời hạn là một trong các mức %s ngày.",
	"The enrolment is not valid.":                                                                         "Đăng ký thiết bị không hợp lệ.",
	"is required":                                                                                         "là bắt buộc",
	"is not a unit in force today":                                                                        "không phải là đơn vị đang có hiệu lực hôm nay",
	"There is no %q in your scope.":                                                                       "Không có “%s” trong phạm vi của bạn.",
	"The subscription is not valid.":                                                                      "Đăng ký nhận webhook không hợp lệ.",
	"There is no subscription %q in your scope.":                                                          "Không có đăng ký nhận webhook “%s” trong phạm vi của bạn.",
	"There is no dead letter %q in your scope.":                                                           "Không có lần gửi thất bại “%s” trong phạm vi của bạn.",
	"The subscription is disabled: enable it first.":                                                      "Đăng ký này đang tắt: hãy bật lại trước.",
	"There is no token %q.":                                                                               "Không có khoá “%s”.",
}

// saidIn returns msg in lang: for "vi", the Vietnamese of the format it
// was made from (said) with the same values, when saidInVietnamese has
// it; msg itself otherwise.
func saidIn(lang, msg string, said *hailong.Said) string {
	if lang != "vi" || said == nil {
		return msg
	}
	vi, ok := saidInVietnamese[said.Format]
	if !ok {
		return msg
	}
	return fmt.Sprintf(vi, said.Args...)
}

// fieldSaidIn is saidIn of a field error's message.
func fieldSaidIn(lang string, f hailong.FieldError) string {
	return saidIn(lang, f.Message, f.Said)
}

// errorSaidIn is saidIn of an error's message.
func errorSaidIn(lang string, err error) string {
	return saidIn(lang, hailong.ErrorMessage(err), hailong.ErrorSaid(err))
}
