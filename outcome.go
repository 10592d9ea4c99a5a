package hailong

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// OneStopIndices are the Circular 01/2018 indices the one-stop software
// supplies per dossier: 2 timeliness of each agency, 5 end-to-end handling,
// 6 publication of procedures, 8 feedback handling, 9 online services.
var OneStopIndices = []int{2, 5, 6, 8, 9}

// Outcome is what the one-stop software reports of a dossier: when it was
// received, when it was due and returned, complaints about its handling, and
// the one-stop indices where it has them. A dossier's outcome is replaced
// whole by each report; a report names its dossier by either of its codes
// (see DossierCodes).
type Outcome struct {
	// Dossier is the one-stop software's own code of the dossier (VNPT
	// iGate's "code"); it may be left out when NationalDossier is given.
	Dossier string `json:"dossier,omitempty"`
	// NationalDossier is the dossier's code on the national public service
	// portal (iGate's "nationCode", DongBoHoSoMC's MaHoSo).
	NationalDossier string `json:"national_dossier,omitempty"`
	// Unit is the receiving centre, where the citizen was served and where
	// the ratings of the dossier belong.
	Unit string `json:"unit"`
	// Agency is the processing agency's code (DongBoHoSoMC's DonViXuLy),
	// which since 2025 may be elsewhere than the receiving centre.
	Agency string `json:"agency,omitempty"`
	// Via is how the dossier was submitted: OutcomeCounter, OutcomeOnline
	// or OutcomePost (DongBoHoSoMC's KenhThucHien 1, 2, 3).
	Via       string `json:"via,omitempty"`
	Procedure string `json:"procedure,omitempty"`
	Official  string `json:"official,omitempty"`
	Counter   string `json:"counter,omitempty"`
	Received  Date   `json:"received"`
	Due       Date   `json:"due"`
	// Returned is when the result was returned; nil while in progress.
	// Only returned dossiers count in measures, dated by this day.
	Returned *Date `json:"returned,omitempty"`
	// Complaints counts verified complaints and petitions about how the
	// dossier was handled.
	Complaints int `json:"complaints"`
	// Indices holds scores 2/1/0 of one-stop indices, keyed "2", "5", "6",
	// "8" and "9", for those the software has.
	Indices map[string]int `json:"indices,omitempty"`
}

// How a dossier was submitted (Outcome.Via).
const (
	OutcomeCounter = "counter"
	OutcomeOnline  = "online"
	OutcomePost    = "post"
)

// Codes returns the dossier's codes.
func (o *Outcome) Codes() DossierCodes {
	return DossierCodes{Local: o.Dossier, National: o.NationalDossier}
}

// Code returns the code a report's answer names the dossier by: its own
// code, or the national one when it has no other.
func (o *Outcome) Code() string {
	if o.Dossier != "" {
		return o.Dossier
	}
	return o.NationalDossier
}

// The days an outcome's dates may fall on: a dossier of the one-stop
// reform's years. A day outside (year 0, 1900, 2999: a default or a typing
// slip of the one-stop software) is counted in no period a measure may
// ask for (2015 to 2100), so it is refused rather than kept unseen.
var (
	firstOutcomeDay = DateFromYMD(2000, time.January, 1)
	lastOutcomeDay  = DateFromYMD(2100, time.December, 31)
)

// Validate checks an outcome; every problem is reported.
func (o *Outcome) Validate() error {
	var fields []FieldError
	add := func(field string, err error) {
		if err != nil {
			fields = append(fields, FieldError{Field: field, Message: err.Error()})
		}
	}
	if o.Dossier == "" && o.NationalDossier == "" {
		fields = append(fields, FieldError{Field: "dossier", Message: "is required, or national_dossier"})
	}
	if o.Dossier != "" {
		add("dossier", CheckDossierCode(o.Dossier))
	}
	if o.NationalDossier != "" {
		add("national_dossier", CheckDossierCode(o.NationalDossier))
	}
	if o.Unit == "" {
		fields = append(fields, FieldError{Field: "unit", Message: "is required"})
	}
	if o.Agency != "" {
		add("agency", CheckRef(o.Agency))
	}
	switch o.Via {
	case "", OutcomeCounter, OutcomeOnline, OutcomePost:
	default:
		fields = append(fields, FieldError{Field: "via", Message: fmt.Sprintf("%q is not counter, online or post", truncate(o.Via, 20))})
	}
	if o.Procedure != "" {
		add("procedure", CheckProcedureCode(o.Procedure))
	}
	if o.Official != "" {
		add("official", CheckRef(o.Official))
	}
	if o.Counter != "" {
		add("counter", CheckRef(o.Counter))
	}
	for _, d := range []struct {
		field string
		day   *Date
	}{{"received", &o.Received}, {"due", &o.Due}, {"returned", o.Returned}} {
		if d.day != nil && *d.day != 0 && (*d.day < firstOutcomeDay || *d.day > lastOutcomeDay) {
			fields = append(fields, FieldError{Field: d.field, Message: fmt.Sprintf("%s is not a day from %s to %s", *d.day, firstOutcomeDay, lastOutcomeDay)})
		}
	}
	if o.Received == 0 {
		fields = append(fields, FieldError{Field: "received", Message: "is required"})
	}
	if o.Due == 0 {
		fields = append(fields, FieldError{Field: "due", Message: "is required"})
	} else if o.Due < o.Received {
		fields = append(fields, Fieldf("due", "must not be before %s", "received"))
	}
	if o.Returned != nil && *o.Returned < o.Received {
		fields = append(fields, Fieldf("returned", "must not be before %s", "received"))
	}
	if o.Complaints < 0 {
		fields = append(fields, FieldError{Field: "complaints", Message: "must not be negative"})
	}
	for k, v := range o.Indices {
		i, err := strconv.Atoi(k)
		switch {
		case err != nil || !slices.Contains(OneStopIndices, i):
			fields = append(fields, FieldError{Field: "indices." + k, Message: "the one-stop software supplies indices 2, 5, 6, 8 and 9 only"})
		case v < 0 || v > 2:
			fields = append(fields, FieldError{Field: "indices." + k, Message: fmt.Sprintf("%d is not a score of 2, 1 or 0", v)})
		}
	}
	if len(fields) > 0 {
		slices.SortFunc(fields, func(a, b FieldError) int {
			if a.Field < b.Field {
				return -1
			}
			if a.Field > b.Field {
				return 1
			}
			return 0
		})
		return Invalid("The outcome is not valid.", fields...)
	}
	return nil
}

// Index1 scores Circular 01 index 1, total time against the legal time:
// 2 returned earlier than due, 1 on the due day, 0 later. ok is false while
// the dossier is in progress.
func (o *Outcome) Index1() (score int, ok bool) {
	switch {
	case o.Returned == nil:
		return 0, false
	case *o.Returned < o.Due:
		return 2, true
	case *o.Returned == o.Due:
		return 1, true
	default:
		return 0, true
	}
}

// Overdue reports whether the result was returned after its due day.
func (o *Outcome) Overdue() bool { return o.Returned != nil && *o.Returned > o.Due }

// Digest hashes the outcome's content, so that a report repeated unchanged
// is recognised.
func (o *Outcome) Digest() [32]byte {
	b, _ := json.Marshal(o)
	return sha256.Sum256(b)
}
