import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate } from './go-template.js';

function render(text: string, data: unknown = {}): string {
  return parseTemplate(text, { name: 't' }).execute(data);
}

const data = { list: ['a', 'b', 'c'], num: 3, float: 2.5, str: 'hello', nil: null, m: { k: 'v' } };

// Expected outputs are sprig v3's for the same calls on JSON-decoded data.
const cases: [string, string][] = [
  ['{{ quote "a" 1 .nil "b\\"c" }}', '"a" "1" "b\\"c"'],
  ['{{ squote "a" 2 }}', "'a' '2'"],
  ['{{ .str | quote }}', '"hello"'],
  [
    '{{ default "d" "" }}|{{ "" | default "d" }}|{{ default "d" 0 }}|{{ default "d" false }}|{{ default "d" .missing }}|{{ default "d" "x" }}',
    'd|d|d|d|d|x',
  ],
  ['{{ default "d" .list }}|{{ default "d" (list) }}', '[a b c]|d'],
  [
    '{{ empty "" }} {{ empty .list }} {{ empty .missing }} {{ empty 0 }} {{ empty .m }}',
    'true false true true false',
  ],
  ['{{ coalesce "" 0 .missing "x" "y" }}', 'x'],
  ['{{ coalesce "" 0 }}', '<no value>'],
  ['{{ ternary "y" "n" true }} {{ false | ternary "y" "n" }}', 'y n'],
  ['{{ indent 2 "a\\nb" }}', '  a\n  b'],
  ['x:{{ nindent 4 "a\\nb" }}', 'x:\n    a\n    b'],
  ['{{ trim "  a b \\n" }}|{{ trimAll "-" "--a-b--" }}', 'a b|a-b'],
  ['{{ trimPrefix "v" "v1.2.3" }} {{ trimSuffix "-0" "1.25-0" }} {{ trimPrefix "x" "v1" }}', '1.2.3 1.25 v1'],
  [
    '{{ upper "abc" }} {{ lower "ABC" }} {{ title "hello wide-world foo_bar" }}',
    'ABC abc Hello Wide-World Foo_bar',
  ],
  ['{{ "a+b+c" | replace "+" "_" }} {{ replace "x" "y" "none" }}', 'a_b_c none'],
  ['{{ repeat 3 "ab" }}', 'ababab'],
  [
    '{{ contains "ell" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }} {{ contains "z" "hello" }}',
    'true true true false',
  ],
  ['{{ $p := split "." "a.b.c" }}{{ $p._0 }}{{ $p._2 }} {{ split "." "a.b" }}', 'ac map[_0:a _1:b]'],
  ['{{ splitList "," "a,b,,c" }} {{ splitList "," "a,b" | len }}', '[a b  c] 2'],
  ['{{ join "," .list }} {{ list 1 "a" 2.5 | join "-" }} {{ join "," "single" }}', 'a,b,c 1-a-2.5 single'],
  ['{{ list }} {{ list 1 "a" (list 2) }}', '[] [1 a [2]]'],
  ['{{ dict "b" 2 "a" 1 }} {{ dict }} {{ dict "odd" }}', 'map[a:1 b:2] map[] map[odd:]'],
  [
    '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }} {{ get $d "a" }}[{{ get $d "zz" }}] {{ hasKey $d "a" }} {{ hasKey $d "zz" }}',
    'map[a:1 b:2] 1[] true false',
  ],
  ['{{ $d := dict "a" 1 "b" 2 }}{{ $_ := unset $d "a" }}{{ $d }}', 'map[b:2]'],
  ['{{ keys (dict "b" 1 "a" 2) }} {{ keys (dict "b" 1) (dict "a" 2) | sortAlpha }}', '[a b] [a b]'],
  ['{{ first .list }} {{ last .list }} {{ first (list) }}', 'a c <no value>'],
  ['{{ has "b" .list }} {{ has "z" .list }}', 'true false'],
  ['{{ b64enc "hello world" }} {{ b64dec "aGVsbG8gd29ybGQ=" }}', 'aGVsbG8gd29ybGQ= hello world'],
  [
    '{{ int "42" }} {{ int 3.9 }} {{ int "x" }} {{ int .num }} {{ int64 "-7" }} {{ float64 "1.5" }}',
    '42 3 0 3 -7 1.5',
  ],
  [
    '{{ toString 3 }} {{ toString .float }} {{ toString .list }} {{ toString .nil }} {{ toString true }}',
    '3 2.5 [a b c] <nil> true',
  ],
  [
    '{{ add 1 2 3 }} {{ sub 10 3 }} {{ add .num 1 }} {{ add1 1 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 5 3 }} {{ min 4 2 }}',
    '6 7 4 2 24 3 1 5 2',
  ],
  ['{{ regexMatch "^v[0-9]+\\\\.[0-9]+" "v1.30" }} {{ regexMatch "^x" "v1" }}', 'true false'],
  ['{{ semverCompare ">= 1.24" "v1.30.0" }} {{ semverCompare "< v1.25-0" "v1.30.0" }}', 'true false'],
  [
    '{{ toJson .m }} {{ toJson (dict "b" (list 1 2.5 "x" nil true) "a" "<&>") }} {{ toJson "s" }} {{ toJson .nil }}',
    '{"k":"v"} {"a":"\\u003c\\u0026\\u003e","b":[1,2.5,"x",null,true]} "s" null',
  ],
  ['{{ (fromJson "{\\"a\\":[1,2]}").a }} {{ fromJson "not json" }}', '[1 2] <no value>'],
  ['{{ toPrettyJson (dict "a" (list 1)) }}', '{\n  "a": [\n    1\n  ]\n}'],
];

describe('sprig functions', () => {
  it('fail aborts rendering with the message', () => {
    assert.throws(() => render('{{ fail "no way" }}'), {
      message: 'template: t:1:3: executing "t" at <fail "no way">: error calling fail: no way',
    });
  });

  for (const [text, expected] of cases) {
    it(`renders ${JSON.stringify(text)}`, () => {
      assert.equal(render(text, data), expected);
    });
  }
});

describe('sprig toYaml (sigs.k8s.io/yaml formatting)', () => {
  const yamlCases: [string, unknown, string][] = [
    ['sorts keys, nests maps by two spaces', { b: 1, a: { d: 'x', c: 2.5 } }, 'a:\n  c: 2.5\n  d: x\nb: 1'],
    ['does not indent sequences under a key', { a: { b: [1, 2] }, c: [] }, 'a:\n  b:\n  - 1\n  - 2\nc: []'],
    ['puts a map in a list on the dash line', [{ name: 'x', v: 1 }, 'y'], '- name: x\n  v: 1\n- "y"'],
    ['nests lists in lists', { a: [['x', 'z'], { k: [1] }] }, 'a:\n- - x\n  - z\n- k:\n  - 1'],
    ['writes empty collections and null inline', { e: {}, l: [], n: null }, 'e: {}\nl: []\n"n": null'],
    [
      'quotes strings that would read back as another type',
      {
        a: 'true',
        b: '123',
        c: '',
        d: 'yes',
        e: '1.5',
        f: 'null',
        g: '0x1F',
        h: '2024-01-02',
        i: '1e3',
        j: 'off',
        k: '~',
      },
      'a: "true"\nb: "123"\nc: ""\nd: "yes"\ne: "1.5"\nf: "null"\ng: "0x1F"\nh: "2024-01-02"\ni: "1e3"\nj: "off"\nk: "~"',
    ],
    [
      'single-quotes strings that cannot be plain',
      { a: 'a: b', b: '- x', c: '#c', d: ' lead', e: "it's: x", f: '*ref', g: 'ok # comment', h: '{x}' },
      "a: 'a: b'\nb: '- x'\nc: '#c'\nd: ' lead'\ne: 'it''s: x'\nf: '*ref'\ng: 'ok # comment'\nh: '{x}'",
    ],
    [
      'keeps plain strings plain',
      {
        a: 'v1.30.0',
        b: 'kindest/node:v1.30.0',
        c: 'a:b',
        d: 'x-y',
        e: 'hello world',
        f: '10.0.0.0/16',
        g: 'a#b',
      },
      'a: v1.30.0\nb: kindest/node:v1.30.0\nc: a:b\nd: x-y\ne: hello world\nf: 10.0.0.0/16\ng: a#b',
    ],
    [
      'writes multi-line strings as literal blocks',
      { s: 'a\nb', t: 'a\nb\n' },
      's: |-\n  a\n  b\nt: |\n  a\n  b',
    ],
    ['indents literal blocks under list items', { l: ['x\ny'] }, 'l:\n- |-\n  x\n  y'],
    [
      'double-quotes strings with tabs or trailing spaces on a line',
      { a: 'x\ty', b: 'a \nb' },
      'a: "x\\ty"\nb: "a \\nb"',
    ],
    ['orders keys as goyaml.v2 does', { a10: 1, a9: 2, B: 3, _x: 4 }, '_x: 4\nB: 3\na9: 2\na10: 1'],
    [
      'prints numbers as JSON would round-trip them',
      { i: 3, f: 0.5, big: 1000000, small: 0.00001 },
      'big: 1000000\nf: 0.5\ni: 3\nsmall: 1e-05',
    ],
    ['prints a scalar alone', 'x', 'x'],
  ];
  for (const [title, value, expected] of yamlCases) {
    it(title, () => {
      assert.equal(render('{{ toYaml . }}', value), expected);
    });
  }

  it('composes with nindent the way patch templates use it', () => {
    assert.equal(
      render('spec:\n  extraArgs:{{ .args | toYaml | nindent 4 }}', {
        args: { v: '2', 'feature-gates': 'A=true' },
      }),
      'spec:\n  extraArgs:\n    feature-gates: A=true\n    v: "2"',
    );
  });
});
