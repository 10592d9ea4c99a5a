package hailong_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"hailong"
)

func TestDossierCodes(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"H15.50.05.13-261008-0975", true},
		{"000.00.07.H15-250301-00012", true},
		{"M01.123.45-260115-AB0123", true}, // 2026 centralised form, letters before the sequence
		{"G22-260101-12345678", true},
		{"H15.50.05.13-261308-0975", false}, // month 13
		{"H15.50.05.13-261008-975", false},  // sequence under 4 digits
		{"H15.50.05.13-2610080975", false},
		{"-261008-0975", false},
		{"H15 50-261008-0975", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if err := hailong.CheckDossierCode(tt.code); (err == nil) != tt.ok {
				t.Errorf("CheckDossierCode(%q) = %v, want ok=%v", tt.code, err, tt.ok)
			}
		})
	}
}

func TestProcedureCodes(t *testing.T) {
	for code, ok := range map[string]bool{"1.004122": true, "2.000908": true, "1.04122": false, "10.004122": false, "1.0041220": false, "a.004122": false} {
		if err := hailong.CheckProcedureCode(code); (err == nil) != ok {
			t.Errorf("CheckProcedureCode(%q) = %v, want ok=%v", code, err, ok)
		}
	}
}

func TestAnswerJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    hailong.Answer
		wantErr bool
	}{
		{`3`, hailong.Int(3), false},
		{`"Tốt lắm"`, hailong.Str("Tốt lắm"), false},
		{`3.5`, hailong.Answer{}, true},
		{`true`, hailong.Answer{}, true},
		{`[1]`, hailong.Answer{}, true},
		{`99999999999`, hailong.Answer{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a hailong.Answer
			err := json.Unmarshal([]byte(tt.in), &a)
			if (err != nil) != tt.wantErr || (!tt.wantErr && a != tt.want) {
				t.Fatalf("Unmarshal(%s) = %+v, %v; want %+v, error %v", tt.in, a, err, tt.want, tt.wantErr)
			}
			if !tt.wantErr {
				b, _ := json.Marshal(a)
				if string(b) != tt.in {
					t.Errorf("Marshal = %s, want %s", b, tt.in)
				}
			}
		})
	}
}

func TestSubmissionValidate(t *testing.T) {
	c := shippedCatalog(t)
	ok := hailong.Answers{"overall": hailong.Int(2)}
	tests := []struct {
		name string
		sub  hailong.Submission
		want map[string]string
	}{
		{"valid", hailong.Submission{Questionnaire: "counter-quick", Answers: ok, Procedure: "1.004122", Dossier: "H15.50.05.13-261008-0975", Counter: "Q1", Official: "cb-01"}, nil},
		{"unknown questionnaire", hailong.Submission{Questionnaire: "nope", Answers: ok}, map[string]string{"questionnaire": `unknown questionnaire "nope"`}},
		{"unknown version", hailong.Submission{Questionnaire: "counter-quick", Version: 9, Answers: ok}, map[string]string{"questionnaire": "version 9"}},
		{"no questionnaire", hailong.Submission{Answers: ok}, map[string]string{"questionnaire": "is required"}},
		{"bad procedure", hailong.Submission{Questionnaire: "counter-quick", Answers: ok, Procedure: "1.4122"}, map[string]string{"procedure": "not a procedure code"}},
		{"bad dossier", hailong.Submission{Questionnaire: "counter-quick", Answers: ok, Dossier: "123"}, map[string]string{"dossier": "not a dossier code"}},
		{"bad counter", hailong.Submission{Questionnaire: "counter-quick", Answers: ok, Counter: "Q 1"}, map[string]string{"counter": "letters, digits"}},
		{"every problem at once", hailong.Submission{Questionnaire: "counter-quick", Answers: hailong.Answers{"overall": hailong.Int(0)}, Procedure: "x", Official: "<b>"},
			map[string]string{"procedure": "procedure code", "official": "letters", "answers.overall": "not one of the options"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.sub.Validate(c)
			assertFields(t, err, tt.want)
		})
	}
}

func TestDigestSeparatesContent(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	a := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(2), "comment": hailong.Str("x")}}, Channel: hailong.ChannelKiosk, Unit: "U", At: at}
	b := a
	b.Answers = hailong.Answers{"comment": hailong.Str("x"), "overall": hailong.Int(2)}
	if a.Digest() != b.Digest() {
		t.Error("the same content must have the same digest whatever the map order")
	}
	b.At = at.In(hailong.Location)
	if a.Digest() != b.Digest() {
		t.Error("the same instant in another zone must have the same digest")
	}
	b.Answers = hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str("x")}
	if a.Digest() == b.Digest() {
		t.Error("other answers must have another digest")
	}
}

func TestDateCutInVietnam(t *testing.T) {
	// 17:30 UTC on 31 Dec is 00:30 on 1 Jan in Vietnam (UTC+7).
	got := hailong.DateOf(time.Date(2025, 12, 31, 17, 30, 0, 0, time.UTC))
	if got.String() != "2026-01-01" {
		t.Errorf("DateOf = %s, want 2026-01-01", got)
	}
	if got := hailong.DateOf(time.Date(2025, 12, 31, 16, 59, 0, 0, time.UTC)); got.String() != "2025-12-31" {
		t.Errorf("DateOf = %s, want 2025-12-31", got)
	}
	d, err := hailong.ParseDate("2025-07-01")
	if err != nil || !d.Start().Equal(time.Date(2025, 6, 30, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("Start of 2025-07-01 = %v, %v", d.Start(), err)
	}
}

// TestCheckNewIDRefusesPlaceholders: a new rating's id is a UUID in
// lower-case canonical form, and not the nil or the max UUID, which name
// no rating; CheckID, which finds stored ones, still takes them.
func TestCheckNewIDRefusesPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{hailong.NewID(), true},
		{"00000000-0000-0000-0000-000000000000", false},
		{"ffffffff-ffff-ffff-ffff-ffffffffffff", false},
		{"0192F3A4-0000-7000-8000-000000000000", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			if err := hailong.CheckNewID(tc.id); (err == nil) != tc.ok {
				t.Errorf("CheckNewID(%s) = %v, want ok %v", tc.id, err, tc.ok)
			}
			if err := hailong.CheckID(tc.id); (err == nil) != (tc.ok || strings.ToLower(tc.id) == tc.id) {
				t.Errorf("CheckID(%s) = %v", tc.id, err)
			}
		})
	}
}
