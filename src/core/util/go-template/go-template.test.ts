import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate } from './go-template.js';
import { isTemplateExecError, isTemplateParseError } from './go-template-errors.js';

function render(
  text: string,
  data: unknown = {},
  missingKey: 'default' | 'zero' | 'error' = 'default',
): string {
  return parseTemplate(text, { name: 't' }).execute(data, { missingKey });
}

const data = {
  cluster: { name: 'c1', namespace: 'ns' },
  random: 'x7k2p',
  str: 'hello',
  empty: '',
  zero: 0,
  num: 3,
  float: 2.5,
  yes: true,
  no: false,
  nil: null,
  list: ['a', 'b', 'c'],
  emptyList: [],
  map: { b: 2, a: 1, c: 'three' },
  emptyMap: {},
  nested: {
    items: [
      { name: 'x', port: 80 },
      { name: 'y', port: 443 },
    ],
  },
};

// Expected outputs are what Go's text/template (with sprig) prints for the same template and a
// map[string]interface{} decoded from the same JSON.
const cases: [string, string][] = [
  ['plain text', 'plain text'],
  ['{{ .cluster.name }}-{{ .random }}', 'c1-x7k2p'],
  ['{{.cluster.name}}', 'c1'],
  ['{{ .str }} {{ .num }} {{ .float }} {{ .yes }}', 'hello 3 2.5 true'],
  ['{{ .list }} {{ .map }} {{ .emptyList }} {{ .emptyMap }}', '[a b c] map[a:1 b:2 c:three] [] map[]'],
  ['{{ .nested }}', 'map[items:[map[name:x port:80] map[name:y port:443]]]'],
  ['{{ .nil }}|{{ .missing }}|{{ print .nil }}|{{ print .missing }}', '<no value>|<no value>|<nil>|<nil>'],
  ['{{ . | len }}', '15'],
  ['{{ $ | len }} {{ $.cluster.name }}', '15 c1'],
  // literals
  ['{{ "a\\tb\\n\\u00e9\\x41\\101" }}', 'a\tb\néAA'],
  ['{{ `raw \\n {{ string` }}', 'raw \\n {{ string'],
  ["{{ 'a' }} {{ '\\n' }}", '97 10'],
  [
    '{{ 42 }} {{ -7 }} {{ +7 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}',
    '42 -7 7 31 15 15 5 1000',
  ],
  ['{{ 1.5 }} {{ 1.0 }} {{ 1e3 }} {{ 1e6 }} {{ .5 }} {{ 1000000 }}', '1.5 1 1000 1e+06 0.5 1000000'],
  ['{{ true }} {{ false }}', 'true false'],
  // trim markers and comments
  ['a  {{- .str -}}  b', 'ahellob'],
  ['a  {{- .str }}  b', 'ahello  b'],
  ['a  {{ .str -}}  b', 'a  hellob'],
  ['a\n\t {{- /* note */ -}} \n b', 'ab'],
  ['{{/* a\ncomment */}}x', 'x'],
  ['{{ 3 }}-{{- 4 }}', '3-4'],
  ['{{ 3 }} \n {{- 4 }}', '34'],
  ['{{ -3 }}', '-3'],
  ['list:\n{{- range .list }}\n- {{ . }}\n{{- end }}\n', 'list:\n- a\n- b\n- c\n'],
  // variables
  ['{{ $x := .cluster.name }}{{ $x }}', 'c1'],
  ['{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', '2'],
  ['{{ $x := 1 }}{{ if true }}{{ $x := 5 }}{{ $x }}{{ end }}{{ $x }}', '51'],
  ['{{ $x := 1 }}{{ range .list }}{{ $x = . }}{{ end }}{{ $x }}', 'c'],
  ['{{ $m := .map }}{{ $m.c }}', 'three'],
  // if / else if / else
  ['{{ if .yes }}y{{ else }}n{{ end }}', 'y'],
  ['{{ if .no }}y{{ else }}n{{ end }}', 'n'],
  [
    '{{ if .empty }}y{{ else if .zero }}z{{ else if .emptyList }}l{{ else if .emptyMap }}m{{ else }}none{{ end }}',
    'none',
  ],
  ['{{ if .nil }}y{{ else }}n{{ end }}{{ if .missing }}y{{ else }}n{{ end }}', 'nn'],
  ['{{ if .str }}{{ if .list }}both{{ end }}{{ end }}', 'both'],
  ['{{ if $v := .str }}{{ $v }}{{ else }}none{{ end }}', 'hello'],
  ['{{ if eq .str "x" }}x{{ else if eq .str "hello" }}h{{ end }}', 'h'],
  // with
  ['{{ with .cluster }}{{ .name }}/{{ .namespace }}{{ end }}', 'c1/ns'],
  ['{{ with .missing }}{{ . }}{{ else }}fallback{{ end }}', 'fallback'],
  ['{{ with .empty }}x{{ else with .str }}{{ . }}{{ end }}', 'hello'],
  ['{{ with $c := .cluster }}{{ $c.name }}{{ end }}', 'c1'],
  // range
  ['{{ range .list }}<{{ . }}>{{ end }}', '<a><b><c>'],
  ['{{ range $i, $e := .list }}{{ $i }}={{ $e }} {{ end }}', '0=a 1=b 2=c '],
  ['{{ range $e := .list }}{{ $e }}{{ end }}', 'abc'],
  ['{{ range $k, $v := .map }}{{ $k }}:{{ $v }},{{ end }}', 'a:1,b:2,c:three,'],
  ['{{ range .map }}{{ . }} {{ end }}', '1 2 three '],
  ['{{ range .emptyList }}x{{ else }}empty{{ end }}', 'empty'],
  ['{{ range .missing }}x{{ else }}none{{ end }}', 'none'],
  ['{{ range .nested.items }}{{ .name }}:{{ .port }};{{ end }}', 'x:80;y:443;'],
  ['{{ range .list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', 'ac'],
  ['{{ range .list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}', 'a'],
  ['{{ range 3 }}{{ . }}{{ end }}', '012'],
  ['{{ range $i, $e := .list }}{{ range $.list }}{{ $i }}{{ end }}|{{ end }}', '000|111|222|'],
  // pipelines and parentheses
  ['{{ .str | printf "%s!" }}', 'hello!'],
  ['{{ .str | printf "%s-%s" "x" }}', 'x-hello'],
  ['{{ (.cluster).name }} {{ (index .nested.items 1).name }}', 'c1 y'],
  ['{{ printf "%d" (len .list) }}', '3'],
  ['{{ "abc" | len | printf "%d chars" }}', '3 chars'],
  // builtins
  [
    '{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 "" "z" }} {{ or 0 "" }} {{ not 0 }} {{ not .str }}',
    '0 2 z  true false',
  ],
  ['{{ and .missing .missing.deeper }}', '<no value>'],
  ['{{ len .str }} {{ len .list }} {{ len .map }} {{ len "héllo" }}', '5 3 3 6'],
  [
    '{{ index .list 1 }} {{ index .map "c" }} {{ index .nested "items" 0 "name" }} {{ index "abc" 0 }}',
    'b three x 97',
  ],
  ['{{ index .map "zz" }}', '<no value>'],
  [
    '{{ slice .list 1 }} {{ slice .list 1 2 }} {{ slice "abcdef" 2 4 }} {{ slice .list }}',
    '[b c] [b] cd [a b c]',
  ],
  [
    '{{ eq .str "hello" }} {{ eq .str "a" "b" "hello" }} {{ eq 1 2 }} {{ ne .str "x" }}',
    'true true false true',
  ],
  ['{{ eq .missing "" }} {{ ne .missing "" }} {{ eq .nil nil }}', 'false true true'],
  [
    '{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }} {{ lt .float 3.0 }}',
    'true true true false true',
  ],
  ['{{ print "a" "b" 1 2 "c" }}', 'ab1 2c'],
  ['{{ print 1 nil }}|{{ println "a" 1 }}', '1 <nil>|a 1\n'],
  [
    '{{ printf "%v %s %d %q %t %.2f %x %X %%" .list "s" 42 "q\\"" true 3.14159 255 "hi" }}',
    '[a b c] s 42 "q\\"" true 3.14 ff 6869 %',
  ],
  ['{{ html "<a href=\'x\'>&</a>" }}', '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;'],
  ['{{ urlquery "a b&c=d/é" }}', 'a+b%26c%3Dd%2F%C3%A9'],
  ['{{ js "it\'s <b>" }}', "it\\'s \\u003Cb\\u003E"],
];

describe('parseTemplate / execute: Go text/template semantics', () => {
  for (const [text, expected] of cases) {
    it(`renders ${JSON.stringify(text)}`, () => {
      assert.equal(render(text, data), expected);
    });
  }

  it('renders upstream naming templates', () => {
    const t = parseTemplate('{{ .cluster.name }}-md-{{ .machineDeployment.topologyName }}-{{ .random }}', {
      name: 'naming',
    });
    const out = t.execute(
      { cluster: { name: 'prod' }, machineDeployment: { topologyName: 'md-0' }, random: 'abcde' },
      { missingKey: 'error' },
    );
    assert.equal(out, 'prod-md-md-0-abcde');
  });

  it('can be executed repeatedly with different data', () => {
    const t = parseTemplate('{{ .a }}');
    assert.equal(t.execute({ a: 1 }), '1');
    assert.equal(t.execute({ a: 'x' }), 'x');
  });

  it('accepts caller functions, which can override sprig ones', () => {
    const t = parseTemplate('{{ shout .s }} {{ upper "x" }}', {
      functions: { shout: (s) => `${String(s)}!`, upper: () => 'overridden' },
    });
    assert.equal(t.execute({ s: 'hi' }), 'hi! overridden');
  });

  it('reports a caller function failure as Go does', () => {
    const t = parseTemplate('{{ boom }}', {
      name: 'n',
      functions: {
        boom: () => {
          throw new Error('kaput');
        },
      },
    });
    assert.throws(() => t.execute({}), {
      message: 'template: n:1:3: executing "n" at <boom>: error calling boom: kaput',
    });
  });
});

describe('missingkey modes', () => {
  const d = { cluster: { name: 'c1' }, nothing: null };

  it('error: a missing key fails with Go wording and position', () => {
    assert.throws(() => render('{{ .cluster.nme }}', d, 'error'), {
      name: 'TemplateExecError',
      message: 'template: t:1:3: executing "t" at <.cluster.nme>: map has no entry for key "nme"',
    });
  });

  it('error: positions count lines and bytes within the line', () => {
    assert.throws(() => render('line one\nxx {{ .a }}', {}, 'error'), {
      message: 'template: t:2:6: executing "t" at <.a>: map has no entry for key "a"',
    });
  });

  it('error: a field of a missing value reports the first missing key', () => {
    assert.throws(() => render('{{ .a.b }}', {}, 'error'), { message: /map has no entry for key "a"/ });
  });

  it('error: a field of a nil variable is "nil data"', () => {
    assert.throws(() => render('{{ $x := .nothing }}{{ $x.b }}', d, 'error'), {
      message: /nil data; no entry for key "b"/,
    });
  });

  it('default: a missing key prints <no value>, and so does a field of it', () => {
    assert.equal(render('{{ .cluster.nme }}|{{ .a.b.c }}', d, 'default'), '<no value>|<no value>');
  });

  it('zero: a missing key prints <no value> (the zero interface{}), as Go does for maps of interface{}', () => {
    assert.equal(render('{{ .cluster.nme }}', d, 'zero'), '<no value>');
  });

  it('zero: a field of a missing key is a nil pointer error, unlike default', () => {
    assert.throws(() => render('{{ .a.b }}', {}, 'zero'), {
      message: /nil pointer evaluating interface \{\}\.b/,
    });
  });

  it('any mode: a field of an explicit null is a nil pointer error', () => {
    assert.throws(() => render('{{ .nothing.b }}', d), {
      message: 'template: t:1:3: executing "t" at <.nothing.b>: nil pointer evaluating interface {}.b',
    });
  });
});

describe('errors', () => {
  const parseErrors: [string, string][] = [
    ['{{ foo }}', 'template: t:1: function "foo" not defined'],
    ['{{ .a | nope "x" }}', 'template: t:1: function "nope" not defined'],
    [
      '{{ define "x" }}y{{ end }}',
      'template: t:1: unsupported action "define": only a single template without define/template/block',
    ],
    [
      '{{ template "x" }}',
      'template: t:1: unsupported action "template": only a single template without define/template/block',
    ],
    [
      '{{ block "x" . }}y{{ end }}',
      'template: t:1: unsupported action "block": only a single template without define/template/block',
    ],
    ['{{ if .a }}', 'template: t:1: unexpected EOF'],
    ['{{ end }}', 'template: t:1: unexpected {{end}}'],
    ['{{ else }}', 'template: t:1: unexpected {{else}}'],
    ['{{ .a', 'template: t:1: unclosed action'],
    ['{{ (.a }}', 'template: t:1: unclosed left paren'],
    ['{{ .a) }}', 'template: t:1: unexpected right paren'],
    ['{{ $x }}', 'template: t:1: undefined variable "$x"'],
    ['{{ $x = 1 }}', 'template: t:1: undefined variable "$x"'],
    ['{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}', 'template: t:1: undefined variable "$x"'],
    ['{{ break }}', 'template: t:1: {{break}} outside {{range}}'],
    ['{{ continue }}', 'template: t:1: {{continue}} outside {{range}}'],
    ['{{ }}', 'template: t:1: missing value for command'],
    ['{{ if }}x{{ end }}', 'template: t:1: missing value for if'],
    ['{{ "a" | "b" }}', 'template: t:1: non executable command in pipeline stage 2'],
    ['{{ "unterminated }}', 'template: t:1: unterminated quoted string'],
    ['{{ "bad \\q escape" }}', 'template: t:1: invalid syntax'],
    ['{{ 3x }}', 'template: t:1: bad number syntax: "3x"'],
    ['{{ "a".b }}', 'template: t:1: unexpected . after term "\\"a\\""'],
    ['{{ .a"x" }}', 'template: t:1: unexpected "\\"x\\"" in operand'],
    ['{{/* unclosed }}', 'template: t:1: unclosed comment'],
    ['{{ /* not at start */ }}', "template: t:1: unrecognized character in action: U+002F '/'"],
    ['{{ if 1 }}{{ else }}{{ else }}{{ end }}', 'template: t:1: expected end; found {{else}}'],
    ['a\nb\n{{ nope }}', 'template: t:3: function "nope" not defined'],
  ];
  for (const [text, message] of parseErrors) {
    it(`refuses to parse ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseTemplate(text, { name: 't' }),
        (err: unknown) => {
          assert.ok(isTemplateParseError(err));
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }

  const execErrors: [string, unknown, string][] = [
    ['{{ nil }}', {}, 'template: t:1:3: executing "t" at <nil>: nil is not a command'],
    [
      '{{ .a | .b }}',
      { a: 1, b: 2 },
      'template: t:1:8: executing "t" at <.b>: b is not a method but has arguments',
    ],
    [
      '{{ .s.x }}',
      { s: 'str' },
      'template: t:1:3: executing "t" at <.s.x>: can\'t evaluate field x in type interface {}',
    ],
    [
      '{{ replace "a" }}',
      {},
      'template: t:1:3: executing "t" at <replace>: wrong number of args for replace: want 3 got 1',
    ],
    [
      '{{ replace "+" "_" .v }}',
      { v: 3 },
      'template: t:1:19: executing "t" at <.v>: wrong type for value; expected string; got float64',
    ],
    [
      '{{ replace "+" "_" .missing }}',
      {},
      'template: t:1:19: executing "t" at <.missing>: invalid value; expected string',
    ],
    [
      '{{ index .l 5 }}',
      { l: [1] },
      'template: t:1:3: executing "t" at <index .l 5>: error calling index: index out of range: 5',
    ],
    ['{{ index .l 0 }}', { l: [1], x: 0 }, ''],
    ['{{ len 3 }}', {}, 'template: t:1:3: executing "t" at <len 3>: error calling len: len of type int'],
    [
      '{{ eq .n 3 }}',
      { n: 3 },
      'template: t:1:3: executing "t" at <eq .n 3>: error calling eq: incompatible types for comparison',
    ],
    [
      '{{ lt .l 3 }}',
      { l: [] },
      'template: t:1:3: executing "t" at <lt .l 3>: error calling lt: invalid type for comparison',
    ],
    [
      '{{ range .s }}{{ end }}',
      { s: 'abc' },
      'template: t:1:9: executing "t" at <.s>: range can\'t iterate over abc',
    ],
    ['{{ .s 1 }}', { s: 'x' }, 'template: t:1:3: executing "t" at <.s>: s is not a method but has arguments'],
    [
      '{{ $x := 1 }}{{ $x 2 }}',
      {},
      'template: t:1:16: executing "t" at <$x>: can\'t give argument to non-function $x',
    ],
    [
      '{{ semverCompare ">= 1.0" "not-a-version" }}',
      {},
      'template: t:1:3: executing "t" at <semverCompare ">= 1.0" "not-a-version">: error calling semverCompare: Invalid Semantic Version',
    ],
    [
      '{{ ternary "a" "b" "notbool" }}',
      {},
      'template: t:1:19: executing "t" at <"notbool">: expected bool; found "notbool"',
    ],
    ['{{ indent "x" "y" }}', {}, 'template: t:1:10: executing "t" at <"x">: expected integer; found "x"'],
  ];
  for (const [text, d, message] of execErrors) {
    if (message === '') continue;
    it(`fails to execute ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => render(text, d),
        (err: unknown) => {
          assert.ok(isTemplateExecError(err));
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }

  it('stops at the first error without partial output leaking', () => {
    assert.throws(() => render('before {{ .a.b }}', { a: 'x' }), /can't evaluate field b/);
  });
});
