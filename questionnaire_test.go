package hailong_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"hailong"
	"hailong/assets"
)

func shippedCatalog(t *testing.T) *hailong.Catalog {
	t.Helper()
	c, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatalf("load shipped questionnaires: %v", err)
	}
	return c
}

func TestShippedQuestionnaires(t *testing.T) {
	c := shippedCatalog(t)
	quick, ok := c.Latest("counter-quick")
	if !ok {
		t.Fatal("counter-quick is missing")
	}
	indices := map[int]bool{}
	for _, q := range quick.Questions {
		if q.Circular01Index != 0 {
			indices[q.Circular01Index] = true
		}
	}
	for _, i := range []int{1, 3, 4, 7} {
		if !indices[i] {
			t.Errorf("counter-quick does not ask Circular 01 index %d", i)
		}
	}
	sipas, ok := c.Latest("sipas")
	if !ok {
		t.Fatal("sipas is missing")
	}
	perElement := map[string]int{}
	for _, q := range sipas.Questions {
		if q.Element != "" {
			perElement[q.Element]++
			if len(q.Options) != 5 {
				t.Errorf("statement %s has %d levels, want 5", q.ID, len(q.Options))
			}
		}
	}
	want := map[string]int{"access": 3, "procedures": 4, "officials": 3, "results": 3, "feedback": 3}
	for e, n := range want {
		if perElement[e] != n {
			t.Errorf("element %s has %d statements, want %d", e, perElement[e], n)
		}
	}
	if h, _ := sipas.Question(sipas.Headline); len(h.Satisfied) != 2 || h.Satisfied[0] != 4 {
		t.Errorf("sipas headline satisfied levels = %v, want the top two [4 5]", h.Satisfied)
	}
}

const goodQuestionnaire = `{"id": "q", "version": 1, "title": {"vi": "Tiêu đề", "en": "Title"}, "headline": "overall",
 "questions": [{"id": "overall", "kind": "scale", "required": true, "satisfied": [2], "dissatisfied": [1], "text": {"vi": "Hài lòng?", "en": "Satisfied?"},
   "options": [{"value": 1, "label": {"vi": "Không", "en": "No"}}, {"value": 2, "label": {"vi": "Có", "en": "Yes"}}]}]}`

func TestLoadCatalogRejectsBadDefinitions(t *testing.T) {
	tests := []struct {
		name, from, to, wantErr string
	}{
		{"valid", "", "", ""},
		{"unknown field", `"headline"`, `"colour": 1, "headline"`, "unknown field"},
		{"missing english title", `"en": "Title"`, `"en": ""`, `title has no "en" text`},
		{"headline missing", `"headline": "overall"`, `"headline": "nope"`, `headline question "nope" does not exist`},
		{"headline not required", `"required": true`, `"required": false`, "must be a required scale"},
		{"satisfied not an option", `"satisfied": [2]`, `"satisfied": [9]`, "counts 9 as satisfied"},
		{"duplicate option", `{"value": 2,`, `{"value": 1,`, "repeats option value 1"},
		{"unknown kind", `"kind": "scale"`, `"kind": "slider"`, `unknown kind "slider"`},
		{"bad version", `"version": 1`, `"version": 0`, "version must be 1 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(goodQuestionnaire, tt.from, tt.to, 1)
			_, err := hailong.LoadCatalog(fstest.MapFS{"q/q.json": {Data: []byte(src)}}, "q")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCatalogVersions(t *testing.T) {
	v2 := strings.Replace(goodQuestionnaire, `"version": 1`, `"version": 2`, 1)
	c, err := hailong.LoadCatalog(fstest.MapFS{"q/a.json": {Data: []byte(goodQuestionnaire)}, "q/b.json": {Data: []byte(v2)}}, "q")
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := c.Latest("q"); q.Version != 2 {
		t.Errorf("latest = v%d, want v2", q.Version)
	}
	if _, ok := c.Version("q", 1); !ok {
		t.Error("old version 1 must stay readable")
	}
	if _, err := hailong.LoadCatalog(fstest.MapFS{"q/a.json": {Data: []byte(goodQuestionnaire)}, "q/b.json": {Data: []byte(goodQuestionnaire)}}, "q"); err == nil {
		t.Error("a version defined twice must be refused")
	}
}

func TestValidateAnswers(t *testing.T) {
	c := shippedCatalog(t)
	q, _ := c.Latest("counter-quick")
	tests := []struct {
		name    string
		answers hailong.Answers
		want    map[string]string // field → part of message
	}{
		{"headline only", hailong.Answers{"overall": hailong.Int(3)}, nil},
		{"all answered", hailong.Answers{"overall": hailong.Int(1), "result_time": hailong.Int(0), "contacts": hailong.Int(2), "agencies": hailong.Int(1), "attitude": hailong.Int(2), "comment": hailong.Str("Cảm ơn")}, nil},
		{"missing required", hailong.Answers{"result_time": hailong.Int(1)}, map[string]string{"answers.overall": "is required"}},
		{"value outside options", hailong.Answers{"overall": hailong.Int(4)}, map[string]string{"answers.overall": "4 is not one of the options 1, 2, 3"}},
		{"unknown question", hailong.Answers{"overall": hailong.Int(2), "mood": hailong.Int(1)}, map[string]string{"answers.mood": `has no question "mood"`}},
		{"text for a scale", hailong.Answers{"overall": hailong.Str("good")}, map[string]string{"answers.overall": "must be a whole number"}},
		{"number for text", hailong.Answers{"overall": hailong.Int(2), "comment": hailong.Int(5)}, map[string]string{"answers.comment": "must be text"}},
		{"text too long", hailong.Answers{"overall": hailong.Int(2), "comment": hailong.Str(strings.Repeat("ă", hailong.MaxTextAnswer+1))}, map[string]string{"answers.comment": "at most 2000 characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := q.Validate(tt.answers)
			assertFields(t, err, tt.want)
		})
	}
}

// assertFields checks that err is an EINVALID listing exactly the fields.
func assertFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if hailong.ErrorCode(err) != hailong.EINVALID {
		t.Fatalf("error = %v, want %s", err, hailong.EINVALID)
	}
	got := map[string]string{}
	for _, f := range hailong.ErrorFields(err) {
		got[f.Field] = f.Message
	}
	for field, msg := range want {
		if !strings.Contains(got[field], msg) {
			t.Errorf("field %s: got %q, want it to contain %q", field, got[field], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields = %v, want only %v", got, want)
	}
}

func TestSatisfied(t *testing.T) {
	c := shippedCatalog(t)
	q, _ := c.Latest("counter-quick")
	for _, tt := range []struct {
		overall       int
		satisfied, ok bool
	}{{1, false, true}, {2, true, true}, {3, true, true}} {
		sat, ok := q.Satisfied(hailong.Answers{"overall": hailong.Int(tt.overall)})
		if sat != tt.satisfied || ok != tt.ok {
			t.Errorf("overall %d: satisfied=%v ok=%v, want %v %v", tt.overall, sat, ok, tt.satisfied, tt.ok)
		}
	}
	if _, ok := q.Satisfied(hailong.Answers{}); ok {
		t.Error("no headline answer must not count")
	}
}

// TestParseCatalogRebuildsThePublishedCatalog is how a kiosk rebuilds the catalog the
// aggregator publishes: the definitions load into an equal catalog, every
// version included, and a bad one is refused like a bad file.
func TestParseCatalogRebuildsThePublishedCatalog(t *testing.T) {
	v2 := strings.Replace(goodQuestionnaire, `"version": 1`, `"version": 2`, 1)
	tests := []struct {
		name string
		fsys fstest.MapFS
		dir  string
		want int // definitions
	}{
		{"shipped", nil, "", 2},
		{"two versions", fstest.MapFS{"q/a.json": {Data: []byte(v2)}, "q/b.json": {Data: []byte(goodQuestionnaire)}}, "q", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *hailong.Catalog
			if tt.fsys == nil {
				c = shippedCatalog(t)
			} else {
				var err error
				if c, err = hailong.LoadCatalog(tt.fsys, tt.dir); err != nil {
					t.Fatal(err)
				}
			}
			defs := c.Definitions()
			if len(defs) != tt.want {
				t.Fatalf("%d definitions, want %d", len(defs), tt.want)
			}
			b, err := json.Marshal(defs) // as the aggregator sends them
			if err != nil {
				t.Fatal(err)
			}
			var received []json.RawMessage
			if err := json.Unmarshal(b, &received); err != nil {
				t.Fatal(err)
			}
			got, err := hailong.ParseCatalog(received)
			if err != nil {
				t.Fatalf("rebuild: %v", err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Error("the rebuilt catalog differs from the published one")
			}
		})
	}
	if _, ok := mustCatalog(t, v2, goodQuestionnaire).Version("q", 1); !ok {
		t.Error("version 1 lost in the rebuild")
	}
	for name, defs := range map[string][]json.RawMessage{
		"none":          nil,
		"unknown field": {json.RawMessage(strings.Replace(goodQuestionnaire, `"headline"`, `"colour": 1, "headline"`, 1))},
		"twice":         {json.RawMessage(goodQuestionnaire), json.RawMessage(goodQuestionnaire)},
		"trailing data": {json.RawMessage(goodQuestionnaire + `{}`)},
	} {
		if _, err := hailong.ParseCatalog(defs); err == nil {
			t.Errorf("%s: a bad catalog was accepted", name)
		}
	}
}

func mustCatalog(t *testing.T, defs ...string) *hailong.Catalog {
	t.Helper()
	raw := make([]json.RawMessage, len(defs))
	for i, d := range defs {
		raw[i] = json.RawMessage(d)
	}
	c, err := hailong.ParseCatalog(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
