package web

func init() {
	addWords(map[string]string{
		"reports_title": "Báo cáo quý", "reports_intro": "Báo cáo quý về sự hài lòng của một đơn vị, để gửi Ủy ban nhân dân tỉnh: các chỉ số chính so với chỉ tiêu, quý trước và cùng kỳ năm trước; xếp hạng các đơn vị trực thuộc; xếp loại cơ quan và cán bộ theo Thông tư 01; tỷ lệ theo Quyết định 766; diễn biến 12 tháng; các thủ tục có mức độ hài lòng thấp nhất.",
		"reports_unit": "Đơn vị", "reports_year": "Năm", "reports_quarter": "Quý", "reports_q": "Quý %d",
		"reports_pdf": "Tải báo cáo PDF", "reports_xlsx": "Tải báo cáo Excel", "reports_problems": "Chưa thể lập báo cáo: hãy sửa các ô được đánh dấu.",
		"reports_default": "Mặc định là quý đã kết thúc gần nhất.", "reports_not_quarter": "hãy chọn năm và quý",
		"reports_not_begun": "quý này chưa bắt đầu: hãy chọn một quý đã qua hoặc quý hiện tại",
	}, map[string]string{
		"reports_title": "Quarterly report", "reports_intro": "The quarterly report on a unit's satisfaction, for the provincial People's Committee: the headline measures against the targets, the previous quarter and the same quarter a year earlier; the ranking of the child units; the Circular 01 classification of agencies and officials; the Decision 766 ratio; the trend over 12 months; the procedures with the lowest satisfaction.",
		"reports_unit": "Unit", "reports_year": "Year", "reports_quarter": "Quarter", "reports_q": "Quarter %d",
		"reports_pdf": "Download the PDF report", "reports_xlsx": "Download the Excel report", "reports_problems": "The report cannot be made yet: correct the marked fields.",
		"reports_default": "The last closed quarter by default.", "reports_not_quarter": "choose a year and a quarter",
		"reports_not_begun": "this quarter has not begun: choose a past or the current quarter",
	})
}
