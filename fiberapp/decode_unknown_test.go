package fiberapp_test

import (
	"testing"

	"hailong"
	"hailong/fiberapp"
)

// The types of TestUnmarshalNamesTheMemberEncodingJSONRefused, each with
// a rule of encoding/json's fields that a walk of our own got wrong (a
// hostile review of a57af52).

type NamedItem struct {
	Name string `json:"name"`
}

type Contact struct {
	Phone string `json:"phone"`
}

// An embedded struct with a name is one field: its fields are not promoted.
type taggedEmbed struct {
	Contact `json:"contact"`
	Items   []NamedItem `json:"items"`
}

// An embedded struct tagged "-" is left out whole, its fields too.
type ignoredEmbed struct {
	Contact `json:"-"`
	Items   []NamedItem `json:"items"`
}

// The Go name Phone of the outer field hides Tel.Phone from
// reflect.VisibleFields, but their JSON names differ: encoding/json
// takes both.
type Tel struct {
	Phone string `json:"tel"`
}

type goNameShadow struct {
	Tel
	Phone string      `json:"mobile"`
	Items []NamedItem `json:"items"`
}

// An exact name wins over a folded one, and of folded ones the first.
type foldedNames struct {
	A Contact   `json:"item"`
	B NamedItem `json:"Item"`
}

// A fixed-size array drops what is past its end without a word.
type fixedArray struct {
	Pair [1]NamedItem `json:"pair"`
}

// A member named "-" (tag "-,").
type dashName struct {
	Dash  string      `json:"-,"`
	Items []NamedItem `json:"items"`
}

// TestUnmarshalNamesTheMemberEncodingJSONRefused: in each body
// encoding/json refuses one member, and a later member of the same name
// is unknown too, or known elsewhere. The field error names the member
// encoding/json refused, or the bare name where its place cannot be told
// (a field named "-", which json v2 refuses to decode into), never
// another member.
func TestUnmarshalNamesTheMemberEncodingJSONRefused(t *testing.T) {
	tests := []struct {
		name  string
		v     any
		body  string
		field string // the member encoding/json refused
	}{
		{"tagged embedded struct", &taggedEmbed{}, `{"phone":"1","items":[{"phone":"2"}]}`, "phone"},
		{"embedded struct tagged -", &ignoredEmbed{}, `{"phone":"1","items":[{"phone":"2"}]}`, "phone"},
		{"Go name hidden, JSON name not", &goNameShadow{}, `{"tel":"1","items":[{"tel":"2"}]}`, "items[0].tel"},
		{"exact name before a folded one", &foldedNames{}, `{"item":{"phone":"1"},"phone":"2"}`, "phone"},
		{"past a fixed-size array's end", &fixedArray{}, `{"pair":[{"name":"a"},{"phone":"1"}],"phone":"2"}`, "phone"},
		{"a field named -", &dashName{}, `{"-":"1","items":[{"-":"2"}]}`, "-"},
		{"a name %q escapes", &struct {
			Items []NamedItem `json:"items"`
		}{}, `{"items":[{"a\"b":1},{"a\\\"b":2}]}`, `items[0].a"b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fiberapp.Unmarshal([]byte(tt.body), tt.v)
			fields := hailong.ErrorFields(err)
			if len(fields) != 1 || fields[0].Field != tt.field {
				t.Errorf("%s: %v; want %q named", tt.body, err, tt.field)
			}
		})
	}
}

// TestUnmarshalNamesTheUnknownMemberOfAValueGiven: Unmarshal decodes into
// the value given (encoding/json fills an interface field's pointer in
// place, with its fields' rules), but unknownMember decodes again into a
// new zero value of the type, where that field is a nil interface taking
// any object. encoding/json refuses a.x; json v2 accepted it and refused
// the next member of the same name, items[0].x (a hostile review). The
// place is looked for only when the value given is zero.
func TestUnmarshalNamesTheUnknownMemberOfAValueGiven(t *testing.T) {
	type item struct {
		Name string `json:"name"`
	}
	v := struct {
		A     any    `json:"a"`
		Items []item `json:"items"`
	}{A: &item{}}
	err := fiberapp.Unmarshal([]byte(`{"a":{"x":1},"items":[{"x":2}]}`), &v)
	if fields := hailong.ErrorFields(err); len(fields) != 1 || (fields[0].Field != "a.x" && fields[0].Field != "x") {
		t.Errorf("%v; want a.x (or x) named", err)
	}
}
