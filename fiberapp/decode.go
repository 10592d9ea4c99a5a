package fiberapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// DecodeJSON decodes the request body into v strictly: the body must be
// JSON, every field must be known and of the right type, and nothing may
// follow the value. Requiring the JSON content type also keeps other sites
// from posting here with a plain HTML form.
func DecodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON {
		return hailong.Errorf(hailong.EUNSUPPORTED, "The request body must be application/json.")
	}
	return Unmarshal(c.Body(), v)
}

// Unmarshal decodes b into v with the rules of DecodeJSON.
func Unmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return hailong.Invalid("The request body must hold exactly one JSON value.")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return hailong.Invalid(fmt.Sprintf("The request body is not valid JSON (at byte %d).", syntax.Offset))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return hailong.Invalid("The request body is empty or cut short.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return hailong.Invalid("The request body has a field of the wrong type.",
			hailong.FieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonType(typ.Type.Kind().String()), typ.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return hailong.Invalid("The request body has an unknown field.", hailong.FieldError{Field: name, Message: "is not a known field"})
	default:
		// Answers and dates report their own problems through UnmarshalJSON.
		return hailong.Invalid("The request body could not be read: " + err.Error())
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "another type"
	}
}
