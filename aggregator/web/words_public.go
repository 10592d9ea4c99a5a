package web

func init() {
	addWords(map[string]string{
		"pub_title": "Kết quả đánh giá mức độ hài lòng", "pub_intro": "Tỷ lệ người dân, doanh nghiệp hài lòng với việc giải quyết thủ tục hành chính tại từng trung tâm phục vụ hành chính công, bộ phận một cửa, trong %s.",
		"pub_centre": "Trung tâm, bộ phận một cửa", "pub_rate": "Tỷ lệ hài lòng", "pub_n": "Số lượt đánh giá", "pub_ci": "Khoảng tin cậy 95%",
		"pub_province_level": "Cấp tỉnh", "pub_withheld": "Chưa đủ số lượt đánh giá",
		"pub_method":    "Tỷ lệ hài lòng = số lượt chọn hai mức cao nhất ÷ số lượt đánh giá. Khoảng tin cậy 95%% theo phương pháp Wilson. Với dưới %s lượt đánh giá, tỷ lệ không được công bố.",
		"pub_updated":   "Số liệu tính đến %s.",
		"adm_pub_title": "Công khai kết quả", "adm_pub_on": "Công khai trang kết quả (ai cũng xem được, không cần đăng nhập)",
		"adm_pub_off": "Không công khai", "adm_pub_save": "Lưu", "adm_pub_state_on": "Trang kết quả công khai đang mở:",
		"adm_pub_state_off": "Trang kết quả công khai đang đóng: địa chỉ /public trả lời “không tìm thấy”.",
		"adm_pub_help":      "Trang công khai chỉ gồm tỷ lệ hài lòng của từng trung tâm trong quý đã kết thúc gần nhất, số lượt và khoảng tin cậy; không có ý kiến, không có tên cán bộ. Mỗi lần thay đổi được ghi vào nhật ký.",
		"adm_pub_saved":     "Đã lưu.", "adm_pub_choose": "Trạng thái",
	}, map[string]string{
		"pub_title": "Satisfaction results", "pub_intro": "The share of citizens and businesses satisfied with how their procedures were handled, at each public administrative service centre and one-stop desk, in %s.",
		"pub_centre": "Centre or one-stop desk", "pub_rate": "Satisfaction rate", "pub_n": "Ratings", "pub_ci": "95% interval",
		"pub_province_level": "Province level", "pub_withheld": "Not enough ratings",
		"pub_method":    "Satisfaction rate = ratings in the top two levels ÷ ratings. 95%% Wilson interval. Below %s ratings no rate is published.",
		"pub_updated":   "Figures as of %s.",
		"adm_pub_title": "Public results", "adm_pub_on": "Publish the results page (anyone may open it, without signing in)",
		"adm_pub_off": "Do not publish", "adm_pub_save": "Save", "adm_pub_state_on": "The public results page is open:",
		"adm_pub_state_off": "The public results page is closed: /public answers “not found”.",
		"adm_pub_help":      "The public page holds only each centre's satisfaction rate for the last closed quarter, its number of ratings and interval: no comments, no officials' names. Every change is recorded in the audit log.",
		"adm_pub_saved":     "Saved.", "adm_pub_choose": "State",
	})
}
