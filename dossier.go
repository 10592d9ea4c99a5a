package hailong

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// DossierCodes are the codes one dossier may carry: the one-stop
// software's own (VNPT iGate's "code") and the national public service
// portal's (iGate's "nationCode", DongBoHoSoMC's MaHoSo). Either may be
// empty; a receipt, a QR link or a kiosk rating names the dossier by
// whichever one the citizen was given, so a dossier is matched by either.
type DossierCodes struct {
	Local    string `json:"local,omitempty"`
	National string `json:"national,omitempty"`
}

// Keys returns the dossier's codes normalised by NormalizeDossierCode,
// without empty or repeated ones: the keys under which it is matched.
func (c DossierCodes) Keys() []string {
	var keys []string
	for _, s := range []string{c.Local, c.National} {
		if k := NormalizeDossierCode(s); k != "" && (len(keys) == 0 || keys[0] != k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// Matches reports whether code names this dossier by either of its codes.
func (c DossierCodes) Matches(code string) bool {
	k := NormalizeDossierCode(code)
	if k == "" {
		return false
	}
	for _, own := range c.Keys() {
		if own == k {
			return true
		}
	}
	return false
}

// dashes are the characters that stand for the hyphen of a dossier code
// when it is typed, copied from a PDF or read by a scanner.
var dashes = strings.NewReplacer("\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-", "\uFE63", "-", "\uFF0D", "-")

// NormalizeDossierCode returns the form of a dossier code under which two
// spellings of one code compare equal: no white space around it, any dash
// as '-', letters upper case. White space inside stays (and makes the code
// invalid): "H15 50" might be H15.50 or H1550. Codes are compared in this
// form only; they are stored as they were given.
//
// A code already in that form is returned as it is, not copied: the
// outcome book keys a million dossiers by their codes, and shares the
// bytes with the codes it holds.
func NormalizeDossierCode(s string) string {
	s = strings.TrimSpace(s)
	if !isASCII(s) { // every dash but '-' is outside ASCII
		s = dashes.Replace(s)
	}
	return strings.ToUpper(s)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// DossierCode is a dossier code's parts.
type DossierCode struct {
	// Agency is the receiving agency's id, e.g. H15.50.05.13 or G09.20.
	Agency string
	// Date is the day the dossier was received, from YYMMDD or YYYYMMDD.
	Date Date
	// Sequence is the dossier's number on that day, ≥ 4 digits, with any
	// letters before them (the 2026 format's AA prefix).
	Sequence string
}

// Circular 01/2018 Art. 19: <agency id>-<YYMMDD>-<sequence>; since 2026
// MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX; the national portal writes its own codes
// with YYYYMMDD (G09.20-20260609-0092637). Agency ids and sequence prefixes
// vary in length, so only the shape is fixed: agency (parts joined by
// single dots), date, ≥ 4 trailing digits.
var dossierPattern = regexp.MustCompile(`^([A-Z0-9]+(?:\.[A-Z0-9]+)*)-(\d{6}|\d{8})-([A-Z0-9]*\d{4,})$`)

// ParseDossierCode parses a dossier code leniently: the code is normalised
// first (NormalizeDossierCode), the date may have 6 or 8 digits, and no
// part has a fixed length.
func ParseDossierCode(s string) (DossierCode, error) {
	n := NormalizeDossierCode(s)
	m := dossierPattern.FindStringSubmatch(n)
	if len(n) > 64 || m == nil {
		return DossierCode{}, fmt.Errorf("%q is not a dossier code (mã hồ sơ) like H15.50.05.13-261008-0975 or G09.20-20260609-0092637", truncate(s, 40))
	}
	layout := "060102"
	if len(m[2]) == 8 {
		layout = "20060102"
	}
	t, err := time.Parse(layout, m[2])
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		// Go reads YY 69–99 as 1969–1999: no dossier of the one-stop
		// reform was received then.
		return DossierCode{}, fmt.Errorf("dossier code %q has no valid date (YYMMDD or YYYYMMDD, from 2000 to 2100)", truncate(s, 40))
	}
	return DossierCode{Agency: m[1], Date: DateFromYMD(t.Date()), Sequence: m[3]}, nil
}
