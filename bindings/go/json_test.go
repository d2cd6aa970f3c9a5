package runlog

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type marshalsItself struct{}

func (marshalsItself) MarshalJSON() ([]byte, error) { return []byte(`{"custom":true}`), nil }

type plainStruct struct {
	A int     `json:"a"`
	B float64 `json:"b,omitempty"`
}

type myFloat float64

func TestEncodeValues(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{map[string]any{}, `{}`},
		{map[string]any{"b": 1, "a": 2.5}, `{"a":2.5,"b":1}`},
		{map[string]any{"n": math.NaN(), "p": math.Inf(1), "m": math.Inf(-1)}, `{"m":-Infinity,"n":NaN,"p":Infinity}`},
		{map[string]any{"deep": map[string]any{"x": []any{math.NaN(), 1, "s"}}}, `{"deep":{"x":[NaN,1,"s"]}}`},
		{map[string]any{"f32": float32(0.1), "i8": int8(-3), "u": uint16(7), "mf": myFloat(math.Inf(1))}, `{"f32":0.1,"i8":-3,"mf":Infinity,"u":7}`},
		{map[string]any{"v": []float64{1, math.NaN()}, "w": [2]int{1, 2}, "m": map[string]float64{"z": math.Inf(-1)}}, `{"m":{"z":-Infinity},"v":[1,NaN],"w":[1,2]}`},
		{map[string]any{"nil": nil, "t": true, "ptr": new(int)}, `{"nil":null,"ptr":0,"t":true}`},
		{map[string]any{"s": "q\"\\\n\t\x01é"}, `{"s":"q\"\\\n\t\u0001é"}`},
		{map[string]any{"big": 1e21, "small": 1e-7, "int64": int64(math.MaxInt64)}, `{"big":1e+21,"int64":9223372036854775807,"small":1e-7}`},
		{map[string]any{"c": marshalsItself{}, "st": plainStruct{A: 1}, "num": json.Number("12.5"), "raw": json.RawMessage(`[1]`)}, `{"c":{"custom":true},"num":12.5,"raw":[1],"st":{"a":1}}`},
		{map[string]any{"d": time.Duration(5)}, `{"d":5}`},
		{map[string]any{"typed": map[string]map[string]int{"x": {"y": 1}}}, `{"typed":{"x":{"y":1}}}`},
	}
	for _, c := range cases {
		got, err := appendJSON(nil, c.in, 0)
		if err != nil {
			t.Errorf("%v: %v", c.in, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("encode %#v:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, in := range []any{
		map[string]any{"ch": make(chan int)},
		map[string]any{"m": map[int]int{1: 1}},
		map[string]any{"st": struct{ F float64 }{math.NaN()}},
		map[string]any{"fn": func() {}},
	} {
		if _, err := appendJSON(nil, in, 0); err == nil || !strings.Contains(err.Error(), "RUNLOG_E_INVALID_ARGUMENT") {
			t.Errorf("%T: want an invalid-argument error, got %v", in, err)
		}
	}
	cyc := map[string]any{}
	cyc["self"] = cyc
	if _, err := appendJSON(nil, cyc, 0); err == nil {
		t.Error("a cyclic map must be refused")
	}
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	// For finite values the encoder must agree with encoding/json (modulo its
	// HTML escaping, which we do not do).
	vals := []any{0.1, 1.0, -0.0, 123456789.125, 1e20, 1e21, 1e-6, 1e-7, 5e-324, math.MaxFloat64,
		float32(3.14), float32(1e-7), float32(1e21), "plain", "tab\there"}
	for _, v := range vals {
		want, _ := json.Marshal(v)
		got, err := appendJSON(nil, v, 0)
		if err != nil || string(got) != string(want) {
			t.Errorf("%v: got %s (%v), encoding/json says %s", v, got, err, want)
		}
	}
}

func TestDecode(t *testing.T) {
	v, err := decodeJSON([]byte(` {"a": [1, NaN, -Infinity, Infinity, "NaN", null, true, false],
		"s": "x\u00e9\ud83d\ude00\n\"", "o": {}, "e": [], "n": -1.5e3} `))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	a := m["a"].([]any)
	if a[0] != 1.0 || !math.IsNaN(a[1].(float64)) || !math.IsInf(a[2].(float64), -1) || !math.IsInf(a[3].(float64), 1) ||
		a[4] != "NaN" || a[5] != nil || a[6] != true || a[7] != false {
		t.Errorf("array decoded as %#v", a)
	}
	if m["s"] != "xé😀\n\"" || m["n"] != -1500.0 {
		t.Errorf("decoded %#v", m)
	}
	if !reflect.DeepEqual(m["o"], map[string]any{}) || !reflect.DeepEqual(m["e"], []any{}) {
		t.Errorf("empty containers decoded as %#v %#v", m["o"], m["e"])
	}
	for _, bad := range []string{``, `{`, `{"a" 1}`, `[1,]x`, `"abc`, `{} x`, `nul`} {
		if _, err := decodeJSON([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := map[string]any{"x": []any{1.5, math.Inf(1), map[string]any{"y": "z"}}, "k": -2.0}
	b, err := appendJSON(nil, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip: %#v -> %s -> %#v", in, b, out)
	}
}
