package web

import (
	"fmt"

	"hailong"
	"hailong/aggregator/alerts"
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
	"Downloading needs the %s permission.":                                                                "Tải về cần quyền %s.",
	"This needs the permission %s.":                                                                       "Việc này cần quyền %s.",
	"Only a person signed in on the login page may do this, not an API token.":                            "Chỉ người đăng nhập ở trang đăng nhập mới làm được việc này, khoá API thì không.",
	"This applies to the whole province: only a user whose scope is the province may do it.":              "Việc này áp dụng cho cả tỉnh: chỉ người dùng có phạm vi là cả tỉnh mới làm được.",
	"This applies to every unit this aggregator serves: only a user whose scope is all of them may do it. Where one aggregator serves several provinces, no province's user may; use the command line.": "Việc này áp dụng cho mọi đơn vị máy chủ này phục vụ: chỉ người dùng có phạm vi gồm tất cả mới làm được. Khi một máy chủ phục vụ nhiều tỉnh, người dùng của một tỉnh không làm được; hãy dùng dòng lệnh.",
	"The alert is outside your scope.":                                           "Cảnh báo này nằm ngoài phạm vi của bạn.",
	"Name the token (1 to 100 characters), e.g. after the program that uses it.": "Hãy đặt tên cho khoá (1 đến 100 ký tự), ví dụ theo chương trình dùng nó.",
	"An API token may not make tokens; sign in.":                                 "Khoá API không được tạo khoá khác; hãy đăng nhập.",
	"Choose a lifetime of %s days.":                                              "Hãy chọn thời hạn là một trong các mức %s ngày.",
	"The enrolment is not valid.":                                                "Đăng ký thiết bị không hợp lệ.",
	"There is no %q in your scope.":                                              "Không có “%s” trong phạm vi của bạn.",
	"The subscription is not valid.":                                             "Đăng ký nhận webhook không hợp lệ.",
	"There is no subscription %q in your scope.":                                 "Không có đăng ký nhận webhook “%s” trong phạm vi của bạn.",
	"There is no dead letter %q in your scope.":                                  "Không có lần gửi thất bại “%s” trong phạm vi của bạn.",
	"The subscription is disabled: enable it first.":                             "Đăng ký này đang tắt: hãy bật lại trước.",
	// The field errors of a subscription (webhooks.Validate and the unit
	// check).
	"is required":                         "bắt buộc",
	"is not a URL":                        "không phải địa chỉ URL",
	"must start with http:// or https://": "phải bắt đầu bằng http:// hoặc https://",
	"has no host":                         "thiếu tên máy chủ",
	"must not have a fragment (#…)":       "không được có phần #…",
	"is longer than 2000 characters":      "dài quá 2000 ký tự",
	"is longer than 200 characters":       "dài quá 200 ký tự",
	"name at least one event":             "chọn ít nhất một sự kiện",
	"is not a unit in force today":        "không phải đơn vị đang có hiệu lực",
	alerts.MsgTwin:                        "Quy tắc “%s” đã theo dõi cùng đơn vị này, cùng loại, chỉ số hoặc câu trả lời, ngưỡng, khoảng thời gian và số lượt tối thiểu: cả hai cùng bật thì mỗi cảnh báo sẽ mở hai lần.",
	"names a private or loopback address, which this server is set to refuse":                 "là địa chỉ nội bộ, máy chủ này được cấu hình từ chối",
	"must not carry a user name or password; the receiver checks the signature instead":       "không được chứa tên đăng nhập hay mật khẩu; bên nhận kiểm tra chữ ký thay vào đó",
	"%q is not an event (alert.opened, alert.closed, rating.stored)":                          "%q không phải sự kiện (alert.opened, alert.closed, rating.stored)",
	"names an address in a form other than the usual one (like 203.0.113.5 or [2001:db8::1])": "ghi địa chỉ máy theo dạng khác dạng thông thường (như 203.0.113.5 hoặc [2001:db8::1])",
	"has a port outside 1–65535": "có cổng ngoài khoảng 1–65535",
	// Why a delivery failed, in its log and its dead letter, and why the
	// dispatcher disabled a subscription (webhooks.attemptError).
	"the receiver answered 410 Gone":                                                        "bên nhận trả lời 410 Gone (không nhận nữa)",
	"the subscription is disabled":                                                          "đăng ký này đang tắt",
	"stopped: the aggregator was shutting down":                                             "dừng: máy chủ tổng hợp đang tắt",
	"the receiver's machine refused the connection: nothing listens at that port":           "máy bên nhận từ chối kết nối: không có dịch vụ nào nghe ở cổng đó",
	"the receiver did not answer in time":                                                   "bên nhận không trả lời kịp thời hạn",
	"the receiver's TLS certificate was not accepted":                                       "chứng chỉ TLS của bên nhận không được chấp nhận",
	"the receiver's address is private or loopback, which this server is set to refuse":     "địa chỉ bên nhận là địa chỉ nội bộ, máy chủ này được cấu hình từ chối",
	"the receiver's host name is not known to the name service":                             "tên máy bên nhận không có trong hệ thống tên miền (DNS)",
	"the receiver's host name could not be looked up now (the name service did not answer)": "chưa tra được tên máy bên nhận (máy chủ DNS không trả lời)",
	// The per-line errors of the unit, procedure and target files
	// (hierarchy.ReadCSV, procedure.ReadCSV, csvimport, the targets form).
	"%q must be 1 to 32 letters, digits, '.' or '-'":  "%q phải gồm 1 đến 32 chữ cái, chữ số, '.' hoặc '-'",
	"is required, in UTF-8":                           "bắt buộc, mã hoá UTF-8",
	"%q is not province, district, commune or centre": "%q không phải province, district, commune hoặc centre",
	"must be after valid_from":                        "phải sau valid_from",
	"only a unit with valid_to can have a successor":  "chỉ đơn vị có valid_to mới có successor",
	"a unit cannot be its own parent":                 "đơn vị không thể là cấp trên của chính nó",
	"no rows after the header":                        "không có dòng nào sau dòng tiêu đề",
	"the header must be %s":                           "dòng tiêu đề phải là %s",
	"%s is already on line %d":                        "%s đã có ở dòng %d",
	"%q is not a number of days from 0 to 3650":       "%q không phải số ngày từ 0 đến 3650",
	"needs a rate in percent and a year":              "cần tỷ lệ (%%) và năm",
	"There is no token %q.":                           "Không có khoá “%s”.",
}

// saidIn returns msg in lang: for "vi", the Vietnamese of the format it
// was made from (said) with the same values, or of msg itself when it was
// written as it stands, when saidInVietnamese has it; msg itself
// otherwise.
func saidIn(lang, msg string, said *hailong.Said) string {
	if lang != "vi" {
		return msg
	}
	format, args := msg, []any(nil)
	switch {
	case said != nil:
		format, args = said.Format, said.Args
	case len(verbs(msg)) > 0:
		// A message written as it stands is its own format, of no
		// values; one that looks like a format with values is not.
		return msg
	}
	vi, ok := saidInVietnamese[format]
	if !ok {
		return msg
	}
	return fmt.Sprintf(vi, args...)
}

// verbs returns the verbs of a format, in order ("%%" is none).
func verbs(format string) []rune {
	var vs []rune
	rs := []rune(format)
	for i := 0; i < len(rs)-1; i++ {
		if rs[i] == '%' {
			if rs[i+1] != '%' {
				vs = append(vs, rs[i+1])
			}
			i++
		}
	}
	return vs
}

// fieldSaidIn is saidIn of a field error's message.
func fieldSaidIn(lang string, f hailong.FieldError) string {
	return saidIn(lang, f.Message, f.Said)
}

// errorSaidIn is saidIn of an error's message.
func errorSaidIn(lang string, err error) string {
	return saidIn(lang, hailong.ErrorMessage(err), hailong.ErrorSaid(err))
}
