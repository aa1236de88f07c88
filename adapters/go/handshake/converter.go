package handshake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// NewDataConverter returns the data converter a Stigmer caller's client (and so its workers)
// should use: Temporal's default converter, except that it decodes every completion a Stigmer
// service sends into the requested protobuf type, ignoring unknown fields everywhere, so that a
// newer service cannot break an older caller:
//
//   - binary/protobuf (the SDKs' default result encoding),
//   - json/protobuf (unknown fields discarded, where Temporal's default converter refuses them),
//   - json/plain written by Go's encoding/json from the generated struct, as the deployed Stigmer
//     Go service sends results.
//
// What it writes is what the default converter writes. Install it with one line:
//
//	c, err := client.Dial(client.Options{HostPort: addr, DataConverter: handshake.NewDataConverter()})
func NewDataConverter() converter.DataConverter {
	return converter.NewCompositeDataConverter(
		converter.NewNilPayloadConverter(),
		converter.NewByteSlicePayloadConverter(),
		converter.NewProtoJSONPayloadConverterWithOptions(converter.ProtoJSONPayloadConverterOptions{AllowUnknownFields: true}),
		converter.NewProtoPayloadConverter(),
		newGoJSONPayloadConverter(),
	)
}

// goJSONPayloadConverter is the json/plain payload converter of [NewDataConverter]. It writes
// what Temporal's JSON converter writes. When the requested type is a protobuf message, it reads
// the JSON that Go's encoding/json makes of the message's generated struct: keys are the
// protoc-gen-go JSON tags (the proto field names; JSON names are accepted too), enums are numbers
// (names are accepted too), bytes are Base64, well-known types such as Timestamp are objects
// ({"seconds": .., "nanos": ..}; RFC 3339 strings are accepted too), a oneof is an object keyed by
// the oneof's Go name holding one object keyed by the chosen field's Go name, google.protobuf.Struct,
// Value and ListValue are in their proto JSON form (their structs marshal themselves so), and empty
// fields are omitted. Unknown keys are ignored. Other requested types are decoded by encoding/json.
type goJSONPayloadConverter struct {
	json *converter.JSONPayloadConverter
}

var _ converter.PayloadConverter = (*goJSONPayloadConverter)(nil)

// newGoJSONPayloadConverter returns a [goJSONPayloadConverter].
func newGoJSONPayloadConverter() *goJSONPayloadConverter {
	return &goJSONPayloadConverter{json: converter.NewJSONPayloadConverter()}
}

// ToPayload encodes value as Temporal's JSON payload converter does.
func (c *goJSONPayloadConverter) ToPayload(value any) (*commonpb.Payload, error) {
	return c.json.ToPayload(value)
}

// FromPayload decodes a json/plain payload into valuePtr: a protobuf message (or a pointer to
// one) from Go-struct JSON, anything else with encoding/json.
func (c *goJSONPayloadConverter) FromPayload(payload *commonpb.Payload, valuePtr any) error {
	m, ok := targetMessage(valuePtr)
	if !ok {
		return c.json.FromPayload(payload, valuePtr)
	}
	if err := unmarshalGoJSON(payload.GetData(), m); err != nil {
		return fmt.Errorf("%w: %v", converter.ErrUnableToDecode, err)
	}
	return nil
}

// ToString returns the payload's JSON.
func (c *goJSONPayloadConverter) ToString(payload *commonpb.Payload) string {
	return c.json.ToString(payload)
}

// Encoding returns "json/plain".
func (c *goJSONPayloadConverter) Encoding() string { return converter.MetadataEncodingJSON }

// targetMessage returns the message valuePtr designates: valuePtr itself when it is a message, or
// the message a pointer to a message pointer holds (allocated when nil).
func targetMessage(valuePtr any) (proto.Message, bool) {
	if m, ok := valuePtr.(proto.Message); ok {
		return m, true
	}
	rv := reflect.ValueOf(valuePtr)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, false
	}
	elem := rv.Elem()
	if elem.Kind() != reflect.Pointer || !elem.Type().Implements(reflect.TypeFor[proto.Message]()) {
		return nil, false
	}
	if elem.IsNil() {
		elem.Set(reflect.New(elem.Type().Elem()))
	}
	return elem.Interface().(proto.Message), true
}

// unmarshalGoJSON decodes into m (after resetting it) the JSON that Go's encoding/json makes of a
// generated protobuf struct, as [goJSONPayloadConverter] describes; null values and unknown keys
// are ignored.
func unmarshalGoJSON(data []byte, m proto.Message) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("decoding JSON: %w", err)
	}
	proto.Reset(m)
	return setMessage(m.ProtoReflect(), v, string(m.ProtoReflect().Descriptor().Name()))
}

// normalizeKey lets a field match its proto name, its JSON name and its Go name: lower case,
// without underscores.
func normalizeKey(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// protoJSONTypes are the well-known types whose generated structs implement json.Marshaler with
// protojson, so that Go's encoding/json writes them in their proto JSON form.
var protoJSONTypes = map[protoreflect.FullName]bool{
	"google.protobuf.Struct": true, "google.protobuf.Value": true, "google.protobuf.ListValue": true,
}

func setMessage(m protoreflect.Message, v any, path string) error {
	md := m.Descriptor()
	if protoJSONTypes[md.FullName()] {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := protojson.Unmarshal(raw, m.Interface()); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	if v == nil {
		return nil
	}
	if md.FullName() == "google.protobuf.Timestamp" {
		if s, ok := v.(string); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			proto.Merge(m.Interface(), timestamppb.New(t))
			return nil
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: want a JSON object for %s, got %T", path, md.FullName(), v)
	}
	fields, oneofs := md.Fields(), md.Oneofs()
	for key, val := range obj {
		if val == nil {
			continue
		}
		want := normalizeKey(key)
		if fd := findField(fields, want); fd != nil {
			if err := setField(m, fd, val, path+"."+key); err != nil {
				return err
			}
			continue
		}
		for i := range oneofs.Len() {
			od := oneofs.Get(i)
			if normalizeKey(string(od.Name())) != want {
				continue
			}
			// {"<OneofGoName>": {"<FieldGoName>": value}}
			wrapper, ok := val.(map[string]any)
			if !ok {
				return fmt.Errorf("%s.%s: want a JSON object for oneof %s, got %T", path, key, od.Name(), val)
			}
			for wk, wv := range wrapper {
				if fd := findField(od.Fields(), normalizeKey(wk)); fd != nil && wv != nil {
					if err := setField(m, fd, wv, path+"."+key+"."+wk); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// findField finds the field whose proto, JSON or Go name normalizes to want.
func findField(fields interface {
	Len() int
	Get(int) protoreflect.FieldDescriptor
}, want string) protoreflect.FieldDescriptor {
	for i := range fields.Len() {
		fd := fields.Get(i)
		if normalizeKey(string(fd.Name())) == want || normalizeKey(fd.JSONName()) == want {
			return fd
		}
	}
	return nil
}

func setField(m protoreflect.Message, fd protoreflect.FieldDescriptor, v any, path string) error {
	switch {
	case fd.IsList():
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want a JSON array, got %T", path, v)
		}
		list := m.Mutable(fd).List()
		for i, item := range items {
			itemPath := path + "[" + strconv.Itoa(i) + "]"
			if fd.Message() != nil {
				elem := list.NewElement()
				if err := setMessage(elem.Message(), item, itemPath); err != nil {
					return err
				}
				list.Append(elem)
				continue
			}
			sv, err := scalarValue(fd, item, itemPath)
			if err != nil {
				return err
			}
			list.Append(sv)
		}
	case fd.IsMap():
		entries, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want a JSON object, got %T", path, v)
		}
		mp := m.Mutable(fd).Map()
		for k, item := range entries {
			entryPath := path + "[" + strconv.Quote(k) + "]"
			key, err := scalarValue(fd.MapKey(), k, entryPath)
			if err != nil {
				return err
			}
			if fd.MapValue().Message() != nil {
				val := mp.NewValue()
				if err := setMessage(val.Message(), item, entryPath); err != nil {
					return err
				}
				mp.Set(key.MapKey(), val)
				continue
			}
			if item == nil {
				continue
			}
			val, err := scalarValue(fd.MapValue(), item, entryPath)
			if err != nil {
				return err
			}
			mp.Set(key.MapKey(), val)
		}
	case fd.Message() != nil:
		return setMessage(m.Mutable(fd).Message(), v, path)
	default:
		sv, err := scalarValue(fd, v, path)
		if err != nil {
			return err
		}
		m.Set(fd, sv)
	}
	return nil
}

// scalarValue converts a JSON value (or a map key, always a string) to the field's scalar type.
func scalarValue(fd protoreflect.FieldDescriptor, v any, path string) (protoreflect.Value, error) {
	bad := func(err error) (protoreflect.Value, error) {
		if err == nil {
			err = fmt.Errorf("unexpected %T", v)
		}
		return protoreflect.Value{}, fmt.Errorf("%s: %s field: %w", path, fd.Kind(), err)
	}
	text := func() (string, bool) {
		switch x := v.(type) {
		case json.Number:
			return x.String(), true
		case string:
			return x, true
		}
		return "", false
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		switch x := v.(type) {
		case bool:
			return protoreflect.ValueOfBool(x), nil
		case string: // a map key
			b, err := strconv.ParseBool(x)
			if err != nil {
				return bad(err)
			}
			return protoreflect.ValueOfBool(b), nil
		}
	case protoreflect.StringKind:
		if s, ok := v.(string); ok {
			return protoreflect.ValueOfString(s), nil
		}
	case protoreflect.BytesKind:
		if s, ok := v.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				if b, err = base64.URLEncoding.DecodeString(s); err != nil {
					return bad(err)
				}
			}
			return protoreflect.ValueOfBytes(b), nil
		}
	case protoreflect.EnumKind:
		if s, ok := v.(string); ok {
			if ev := fd.Enum().Values().ByName(protoreflect.Name(s)); ev != nil {
				return protoreflect.ValueOfEnum(ev.Number()), nil
			}
		}
		if s, ok := text(); ok {
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return bad(err)
			}
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if s, ok := text(); ok {
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return bad(err)
			}
			return protoreflect.ValueOfInt32(int32(n)), nil
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if s, ok := text(); ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return bad(err)
			}
			return protoreflect.ValueOfInt64(n), nil
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if s, ok := text(); ok {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return bad(err)
			}
			return protoreflect.ValueOfUint32(uint32(n)), nil
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if s, ok := text(); ok {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return bad(err)
			}
			return protoreflect.ValueOfUint64(n), nil
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if s, ok := text(); ok {
			f, err := parseFloat(s)
			if err != nil {
				return bad(err)
			}
			if fd.Kind() == protoreflect.FloatKind {
				return protoreflect.ValueOfFloat32(float32(f)), nil
			}
			return protoreflect.ValueOfFloat64(f), nil
		}
	}
	return bad(nil)
}

func parseFloat(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}
