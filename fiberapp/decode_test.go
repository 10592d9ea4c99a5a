package fiberapp_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/fiberapp"
	"hailong/syncapi"
)

type inner struct {
	B    string   `json:"b"`
	Tags []string `json:"tags"`
}

type body struct {
	A      [][]inner         `json:"a"`
	Name   string            `json:"name"`
	N      int               `json:"n"`
	Health map[string]string `json:"health"`
	Items  []inner           `json:"items"`
	At     time.Time         `json:"at"`
}

// TestUnmarshalNamesTheField checks the path each refusal names, and that
// the errors encoding/json reported before the text checks are unchanged.
func TestUnmarshalNamesTheField(t *testing.T) {
	tests := []struct {
		name, body   string
		opts         []fiberapp.DecodeOption
		field, about string // field "" with about "": accepted
	}{
		{"good", `{"a":[[{"b":"x\ny\tz"}]],"name":"Kinh Bắc"}`, nil, "", ""},
		{"deep in arrays", `{"a":[[],[{"b":"x"},{"b":"x\u0003"}]]}`, nil, "a[1][1].b", "U+0003"},
		{"in a list of strings", `{"a":[[{"tags":["x","y","\u009f"]}]]}`, nil, "a[0][0].tags[2]", "U+009F"},
		{"a digit-named member is not an index", `{"health":{"0":"\u0001"}}`, nil, "health.0", "U+0001"},
		{"a member name", `{"health":{"x\u0001":"y"}}`, nil, "health", "member name"},
		{"invalid UTF-8 in a member name", "{\"health\":{\"x\xff\":\"y\"}}", nil, "health", "UTF-8"},
		{"a top-level string", `"\u0001"`, nil, "body", "U+0001"},
		{"a raw right-to-left override", "{\"name\":\"a\u202eb\"}", nil, "name", "U+202E"},
		{"an escaped isolate", `{"name":"a\u2066b"}`, nil, "name", "U+2066"},
		{"typographic quotes and dashes are text", "{\"name\":\"\u201cTốt\u201d \u2013 nhanh\u2026\"}", nil, "", ""},
		{"invalid UTF-8 at the top", "{\"name\":\"\xed\xa0\x80\"}", nil, "name", "UTF-8"},
		{"a surrogate pair is fine", `{"name":"\ud83d\udc4d"}`, nil, "", ""},
		{"a lone low surrogate", `{"name":"\udc4d"}`, nil, "name", "UTF-8"},
		{"a repeated name deep down", `{"a":[[{"b":"x","tags":[],"b":"y"}]]}`, nil, "a[0][0].b", "more than once"},
		{"a name repeated in another case", `{"name":"a","Name":"b"}`, nil, "Name", "more than once"},
		{"a name repeated through Unicode folding", `{"name":"a","\u212aind":"k","kind":"b"}`, nil, "kind", "more than once"},
		{"objects merged under another case", `{"a":[{"b":"x"}],"A":[]}`, nil, "A", "more than once"},
		{"the same name in two objects is fine", `{"a":[[{"b":"x"},{"b":"y"}]],"items":[{"b":"w"}],"health":{"b":"z"}}`, nil, "", ""},
		{"controls passed where checked later", `{"items":[{"b":"\u0001"}],"health":{"x\u0002":"\u0003"}}`, []fiberapp.DecodeOption{fiberapp.ControlsCheckedLater("items", "health")}, "", ""},
		{"but not elsewhere", `{"items":[],"name":"\u0001"}`, []fiberapp.DecodeOption{fiberapp.ControlsCheckedLater("items")}, "name", "U+0001"},
		{"nor invalid UTF-8 there", "{\"items\":[{\"b\":\"\xff\"}]}", []fiberapp.DecodeOption{fiberapp.ControlsCheckedLater("items")}, "items[0].b", "UTF-8"},
		{"nor repeated names there", `{"items":[{"b":"1","b":"2"}]}`, []fiberapp.DecodeOption{fiberapp.ControlsCheckedLater("items")}, "items[0].b", "more than once"},
		{"unknown field, as before", `{"phone":"0912"}`, nil, "phone", "not a known field"},
		{"unknown field in a list, with its index", `{"items":[{"b":"x"},{"b":"y","phone":"0912"}]}`, nil, "items[1].phone", "not a known field"},
		{"unknown field deep in arrays", `{"a":[[],[{"b":"x"},{"tags":[],"phone":1}]]}`, nil, "a[1][1].phone", "not a known field"},
		{"a name known above is unknown below", `{"health":{"name":"x"},"items":[{"b":"x"}],"a":[[{"name":"x"}]]}`, nil, "a[0][0].name", "not a known field"},
		{"a known name in another case is no unknown field", `{"Items":[{"B":"x"}],"NAME":"y"}`, nil, "", ""},
		{"wrong type, as before", `{"n":"x"}`, nil, "n", "must be a whole number"},
		{"wrong type in a list, with its index", `{"items":[{"b":"x"},{"b":5}]}`, nil, "items[1].b", "must be a string, not number"},
		{"wrong type deep in arrays", `{"a":[[{"tags":["x"]}],[{"tags":["y",{}]}]]}`, nil, "a[1][0].tags[1]", "must be a string, not object"},
		{"an object for a list", `{"items":{}}`, nil, "items", "must be an array"},
		{"trailing data, as before", `{} {}`, nil, "", "exactly one JSON value"},
		{"bad syntax, as before", `{"n":}`, nil, "", "not valid JSON"},
		{"empty, as before", ``, nil, "", "empty"},
		{"a time without its offset", `{"at":"2026-12-01T10:00:00"}`, nil, "", `RFC 3339 form with its offset, like 2026-12-01T10:00:00+07:00 or 2026-12-01T03:00:00Z: "2026-12-01T10:00:00"`},
		{"a time that is no time", `{"at":"garbage"}`, nil, "", `: "garbage"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v body
			err := fiberapp.Unmarshal([]byte(tt.body), &v, tt.opts...)
			if tt.field == "" && tt.about == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if hailong.ErrorCode(err) != hailong.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			fields := hailong.ErrorFields(err)
			if tt.field == "" {
				if len(fields) != 0 || !strings.Contains(hailong.ErrorMessage(err), tt.about) {
					t.Fatalf("error %v, want one about %q and no field", err, tt.about)
				}
				return
			}
			if len(fields) != 1 || fields[0].Field != tt.field || !strings.Contains(fields[0].Message, tt.about) {
				t.Fatalf("fields %v, want %s: …%s…", fields, tt.field, tt.about)
			}
		})
	}
}

// TestUnmarshalNamesAnUnknownFieldOfAnUpload: an upload's rating with a
// member no rating has is named with its index, through the fields a
// rating takes from the submission it embeds.
func TestUnmarshalNamesAnUnknownFieldOfAnUpload(t *testing.T) {
	tests := []struct{ name, rating, field string }{
		{"beside the rating's own fields", `{"unit":"TT-09190","phone":"0912"}`, "ratings[1].phone"},
		{"beside the submission's fields", `{"questionnaire":"counter-quick","colour":"red"}`, "ratings[1].colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"ratings":[{"unit":"TT-09190","questionnaire":"counter-quick"},` + tt.rating + `]}`
			var req syncapi.Request
			err := fiberapp.Unmarshal([]byte(body), &req)
			if fields := hailong.ErrorFields(err); len(fields) != 1 || fields[0].Field != tt.field {
				t.Fatalf("%v (fields %v), want %s named", err, fields, tt.field)
			}
		})
	}
}

// BenchmarkUnmarshalUpload decodes an upload of 100 ratings with comments,
// the sync body, to show the cost of the text pass before the decode.
//
//	go test -run '^$' -bench UnmarshalUpload -count 6 ./fiberapp
func BenchmarkUnmarshalUpload(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"ratings":[`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"019348f9-d5a8-7d9d-bcea-%012d","questionnaire":"counter-quick","version":1,`+
			`"answers":{"overall":3,"result_time":2,"comment":"Cán bộ hướng dẫn tận tình,\nthủ tục nhanh gọn."},`+
			`"counter":"Q1","official":"cb-0012","procedure":"1.004122","dossier":"H15.50.05.13-261008-0975",`+
			`"channel":"kiosk","unit":"TT-09190","kiosk":"kiosk-1","at":"2026-03-01T02:03:04.567Z"}`, i)
	}
	sb.WriteString(`]}`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var req syncapi.Request
		if err := fiberapp.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}
