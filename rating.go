package hailong

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Channel is the way a rating reached the system.
type Channel string

// Channels.
const (
	ChannelKiosk Channel = "kiosk" // a touchscreen or tablet served by a kiosk node
	ChannelQR    Channel = "qr"    // a citizen's phone through a signed QR link
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c == ChannelKiosk || c == ChannelQR }

// Answer is one answer: a whole number for scale and choice questions, text
// for text questions.
type Answer struct {
	Value  int
	Text   string
	IsText bool
}

// Int returns a numeric answer.
func Int(v int) Answer { return Answer{Value: v} }

// Str returns a text answer.
func Str(s string) Answer { return Answer{Text: s, IsText: true} }

// MarshalJSON writes a number or a string.
func (a Answer) MarshalJSON() ([]byte, error) {
	if a.IsText {
		return json.Marshal(a.Text)
	}
	return []byte(strconv.Itoa(a.Value)), nil
}

// UnmarshalJSON accepts a whole number or a string, nothing else.
func (a *Answer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = Str(s)
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return fmt.Errorf("answer must be a whole number or text, not %s", truncate(string(b), 20))
	}
	*a = Int(int(v))
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Answers maps question ids to answers.
type Answers map[string]Answer

// Submission is what a terminal or phone sends: the citizen's answers and
// what the rating is about. Its digest decides whether a re-sent id is the
// same rating (a duplicate) or another one (a conflict).
type Submission struct {
	Questionnaire string  `json:"questionnaire"`
	Version       int     `json:"version"`
	Answers       Answers `json:"answers"`
	Counter       string  `json:"counter,omitempty"`
	Official      string  `json:"official,omitempty"`
	Procedure     string  `json:"procedure,omitempty"`
	Dossier       string  `json:"dossier,omitempty"`
}

// Rating is one citizen's rating as stored: immutable, keyed by an id made
// by the client at the moment of the tap, anonymous (no name, phone or
// address is ever part of it).
type Rating struct {
	ID string `json:"id"`
	Submission
	Channel Channel   `json:"channel"`
	Unit    string    `json:"unit"`
	Kiosk   string    `json:"kiosk,omitempty"`
	At      time.Time `json:"at"`
	// Flags say why the rating is kept but left out of the measures
	// unless they are asked to include flagged ratings (misuse: see
	// FlagInterval, FlagBurst). Set by the kiosk node when it records the
	// rating; part of its content.
	Flags []string `json:"flags,omitempty"`
}

// Flags of a rating.
const (
	// FlagInterval: the rating came within the node's response interval
	// of the previous one from the same terminal.
	FlagInterval = "interval"
	// FlagBurst: the rating came after too many from the same terminal
	// within the node's burst window.
	FlagBurst = "burst"
)

// Flagged reports whether the rating carries a flag.
func (r *Rating) Flagged() bool { return len(r.Flags) > 0 }

// Digest returns a hash of the submission's content.
func (s *Submission) Digest() [32]byte {
	b, _ := json.Marshal(s) // maps marshal with sorted keys, so this is canonical
	return sha256.Sum256(b)
}

// Digest returns a hash of the whole rating's content, id included.
func (r *Rating) Digest() [32]byte {
	c := *r
	c.At = r.At.UTC().Truncate(time.Millisecond)
	b, _ := json.Marshal(&c)
	return sha256.Sum256(b)
}

// NewID returns a new rating id: a UUIDv7, so ids sort by the time of the tap.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

var (
	procedurePattern = regexp.MustCompile(`^\d\.\d{6}$`)
	refPattern       = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]{0,63}$`)
)

// CheckProcedureCode validates a procedure code (mã TTHC), e.g. 1.004122.
func CheckProcedureCode(s string) error {
	if !procedurePattern.MatchString(s) {
		return fmt.Errorf("%q is not a procedure code (mã TTHC) like 1.004122", truncate(s, 40))
	}
	return nil
}

// CheckDossierCode validates a dossier code (mã hồ sơ), leniently: see
// ParseDossierCode.
func CheckDossierCode(s string) error {
	_, err := ParseDossierCode(s)
	return err
}

// CheckRef validates the code of a counter or an official: letters, digits,
// '.', '_' and '-', at most 64.
func CheckRef(s string) error {
	if !refPattern.MatchString(s) {
		return fmt.Errorf("%q must be 1 to 64 letters, digits, '.', '_' or '-'", truncate(s, 40))
	}
	return nil
}

// CheckID validates a rating id: a UUID in canonical form.
func CheckID(s string) error {
	u, err := uuid.Parse(s)
	if err != nil || u.String() != s {
		return fmt.Errorf("%q is not a UUID in lower-case canonical form", truncate(s, 40))
	}
	return nil
}

// CheckNewID validates the id of a rating being given: CheckID, and not
// the nil or the max UUID, placeholders with which every program that
// sends them would name one rating. Ratings stored with one before this
// check are still found by it (CheckID).
func CheckNewID(s string) error {
	if err := CheckID(s); err != nil {
		return err
	}
	if s == uuid.Nil.String() || s == uuid.Max.String() {
		return fmt.Errorf("%s is the nil or the max UUID, which names no rating: make a new one (version 7)", s)
	}
	return nil
}

// Validate checks a submission against the catalog and resolves its
// questionnaire version (0 means the newest). Every problem is reported.
func (s *Submission) Validate(c *Catalog) (*Questionnaire, error) {
	var fields []FieldError
	add := func(field string, err error) {
		if err != nil {
			fields = append(fields, FieldError{Field: field, Message: err.Error(), Cause: err})
		}
	}
	if s.Counter != "" {
		add("counter", CheckRef(s.Counter))
	}
	if s.Official != "" {
		add("official", CheckRef(s.Official))
	}
	if s.Procedure != "" {
		add("procedure", CheckProcedureCode(s.Procedure))
	}
	if s.Dossier != "" {
		add("dossier", CheckDossierCode(s.Dossier))
	}
	var q *Questionnaire
	var ok bool
	switch {
	case s.Questionnaire == "":
		fields = append(fields, Fieldf("questionnaire", SaidRequired))
	case s.Version == 0:
		q, ok = c.Latest(s.Questionnaire)
	default:
		q, ok = c.Version(s.Questionnaire, s.Version)
	}
	if s.Questionnaire != "" && !ok {
		msg := fmt.Sprintf("unknown questionnaire %q", truncate(s.Questionnaire, 40))
		if s.Version != 0 {
			msg = fmt.Sprintf("unknown questionnaire %q version %d", truncate(s.Questionnaire, 40), s.Version)
		}
		fields = append(fields, FieldError{Field: "questionnaire", Message: msg})
	}
	if q != nil {
		if err := q.Validate(s.Answers); err != nil {
			fields = append(fields, ErrorFields(err)...)
		}
	}
	if len(fields) > 0 {
		return nil, Invalid("The rating is not valid.", fields...)
	}
	return q, nil
}

// Validate checks a stored rating as it arrives at the aggregator.
func (r *Rating) Validate(c *Catalog) (*Questionnaire, error) {
	var fields []FieldError
	if err := CheckNewID(r.ID); err != nil {
		fields = append(fields, FieldError{Field: "id", Message: err.Error()})
	}
	if !r.Channel.Valid() {
		fields = append(fields, FieldError{Field: "channel", Message: fmt.Sprintf("%q is not kiosk or qr", truncate(string(r.Channel), 20))})
	}
	if r.Unit == "" {
		fields = append(fields, FieldError{Field: "unit", Message: "is required"})
	}
	if r.At.IsZero() {
		fields = append(fields, FieldError{Field: "at", Message: "is required"})
	}
	if r.Version < 1 {
		fields = append(fields, FieldError{Field: "version", Message: "must be the questionnaire version the rating was given in"})
	}
	for _, f := range r.Flags {
		if f != FlagInterval && f != FlagBurst {
			fields = append(fields, FieldError{Field: "flags", Message: fmt.Sprintf("%q is not a known flag (interval, burst)", truncate(f, 20))})
		}
	}
	q, err := r.Submission.Validate(c)
	fields = append(fields, ErrorFields(err)...)
	if len(fields) > 0 {
		return nil, Invalid("The rating is not valid.", fields...)
	}
	return q, nil
}
