package web_test

import (
	"testing"

	"hailong"
)

// TestFollowUpAnswersAmendTheTappedRating walks the one-tap API: the tap
// stores a rating held on the node, its follow-up answers replace its
// answers under the same id, done queues it once, and a closed rating
// takes no other answers.
func TestFollowUpAnswersAmendTheTappedRating(t *testing.T) {
	s, o, up := newServer(t)
	id := hailong.NewID()
	if a := do(t, s, "POST", "/api/v1/ratings", "application/json", `{"id":"`+id+`","questionnaire":"counter-quick","answers":{"overall":2},"follow_up":true}`); a.status != 201 {
		t.Fatalf("tap: %d %s", a.status, a.raw)
	}
	if st := outboxStats(t, o); st.Held != 1 || st.Queued != 0 || up.kicks != 0 {
		t.Fatalf("after the tap: held %d, queued %d, uploader kicked %d times; want 1, 0, 0", st.Held, st.Queued, up.kicks)
	}
	path := "/api/v1/ratings/" + id
	tests := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"the headline changed", path, `{"answers":{"overall":3}}`, 400, "answers.overall"},
		{"the headline left out", path, `{"answers":{"attitude":2}}`, 400, "answers.overall"},
		{"an answer not offered", path, `{"answers":{"overall":2,"attitude":7}}`, 400, "answers.attitude"},
		{"a bad id", "/api/v1/ratings/nope", `{"answers":{"overall":2}}`, 400, "id"},
		{"an unknown id", "/api/v1/ratings/" + hailong.NewID(), `{"answers":{"overall":2}}`, 404, ""},
		{"some answers", path, `{"answers":{"overall":2,"attitude":1}}`, 200, ""},
		{"more, and done", path, `{"answers":{"overall":2,"attitude":2,"comment":"Tốt"},"done":true}`, 200, ""},
		{"done re-sent", path, `{"answers":{"overall":2,"attitude":2,"comment":"Tốt"},"done":true}`, 200, ""},
		{"other answers after done", path, `{"answers":{"overall":2,"attitude":0},"done":true}`, 409, ""},
		{"the tap re-sent", "", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			if tt.path == "" {
				a = do(t, s, "POST", "/api/v1/ratings", "application/json", `{"id":"`+id+`","questionnaire":"counter-quick","answers":{"overall":2},"follow_up":true}`)
			} else {
				a = do(t, s, "PATCH", tt.path, "application/json", tt.body)
			}
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if _, ok := fieldsOf(a)[tt.field]; tt.field != "" && !ok {
				t.Errorf("fields %v, want %s", fieldsOf(a), tt.field)
			}
		})
	}
	p := pending(t, o)
	if len(p) != 1 || p[0].ID != id || len(p[0].Answers) != 3 || p[0].Answers["comment"].Text != "Tốt" {
		t.Fatalf("queued %+v, want the one rating with its three answers", p)
	}
	if st := outboxStats(t, o); st.Held != 0 || st.Queued != 1 || up.kicks == 0 {
		t.Errorf("held %d, queued %d, kicks %d", st.Held, st.Queued, up.kicks)
	}
}
