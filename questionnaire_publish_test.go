package hailong_test

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"hailong"
	"hailong/assets"
)

func TestParseCatalogLeavesOutOnlyTheBadDefinitions(t *testing.T) {
	good, err := fs.ReadFile(assets.FS(""), assets.QuestionnaireDir+"/counter-quick.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		defs    []string
		wantErr string
		wantOK  bool
	}{
		{"all good", []string{string(good)}, "", true},
		{"one unreadable", []string{string(good), `{"id":"x","version":1,"unknown_field":true}`}, "definition 2", true},
		{"one that does not check", []string{`{"id":"x","version":0,"questions":[]}`, string(good)}, "definition 1", true},
		{"none good", []string{`not json`}, "no usable questionnaire", false},
		{"none at all", nil, "no usable questionnaire", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var defs []json.RawMessage
			for _, d := range tt.defs {
				defs = append(defs, json.RawMessage(d))
			}
			c, err := hailong.ParseCatalog(defs)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
			if (c != nil) != tt.wantOK {
				t.Fatalf("catalog %v, want one: %v", c, tt.wantOK)
			}
			if c != nil {
				if q, ok := c.Latest("counter-quick"); !ok || q.Version != 1 {
					t.Errorf("counter-quick: %v %v", q, ok)
				}
			}
		})
	}
}
