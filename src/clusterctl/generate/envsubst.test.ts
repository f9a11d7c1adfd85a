import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvsubstTemplate, listVariables, substituteVariables } from './envsubst.js';
import { MissingVariablesError, TemplateSyntaxError } from './errors.js';

const from =
  (values: Record<string, string>) =>
  (name: string): string | undefined =>
    Object.hasOwn(values, name) ? values[name] : undefined;

const render = (text: string, values: Record<string, string> = {}): string =>
  substituteVariables(text, from(values));

describe('envsubst substitution', () => {
  it('substitutes ${VAR} and leaves bare $VAR alone, as drone/envsubst does', () => {
    assert.equal(render('name: ${NAME}, not $NAME', { NAME: 'demo' }), 'name: demo, not $NAME');
  });

  it('reads $$ as an escaped dollar', () => {
    assert.equal(render('$${NAME} costs $$5 and ${NAME}', { NAME: 'demo' }), '${NAME} costs $5 and demo');
  });

  it('tolerates spaces around a bare name inside braces', () => {
    assert.equal(render('${ NAME } ${NAME } ${ NAME}', { NAME: 'x' }), 'x x x');
  });

  for (const form of [':=', '=', ':-']) {
    it(`\${VAR${form}default} uses the default when the variable is unset or empty, and the value otherwise`, () => {
      const text = `v: \${VAR${form}fallback}`;
      assert.equal(render(text), 'v: fallback');
      // drone/envsubst looks values up as plain strings, so empty and unset are the same to every default form.
      assert.equal(render(text, { VAR: '' }), 'v: fallback');
      assert.equal(render(text, { VAR: 'set' }), 'v: set');
    });
  }

  it('renders nested expressions inside defaults, and keeps the default up to the first closing brace', () => {
    assert.equal(render('${A:=${B}-suffix}', { B: 'b' }), 'b-suffix');
    assert.equal(render('${A:=prefix-${B:=deep}}'), 'prefix-deep');
    assert.equal(render('cidr: ${POD_CIDR:=["192.168.0.0/16"]}'), 'cidr: ["192.168.0.0/16"]');
  });

  it('an empty value counts as set for a required variable', () => {
    assert.equal(render('a: "${EMPTY}"', { EMPTY: '' }), 'a: ""');
  });

  it('supports the case, length, substring, trim and replace functions', () => {
    const values = {
      S: 'abcdEFGH28ij',
      P: '/home/bozo/ideas/thoughts.for.today',
      F: 'bash.string.txt',
      Z: 'foo/bar/baz',
    };
    const cases: [string, string][] = [
      ['${S,,}', 'abcdefgh28ij'],
      ['${S^^}', 'ABCDEFGH28IJ'],
      ['${S^}', 'AbcdEFGH28ij'],
      ['${#S}', '12'],
      ['${P:11}', 'ideas/thoughts.for.today'],
      ['${P:11:5}', 'ideas'],
      ['${F#*.}', 'string.txt'],
      ['${F##*.}', 'txt'],
      ['${F%.*}', 'bash.string'],
      ['${F%%.*}', 'bash'],
      ['${Z/\\//-}', 'foo-bar/baz'],
      ['${Z//\\//-}', 'foo-bar-baz'],
      ['${Z/#foo/X}', 'X/bar/baz'],
      ['${Z/%baz/X}', 'foo/bar/X'],
    ];
    for (const [text, want] of cases) assert.equal(render(text, values), want, text);
  });

  it('lists every missing required variable at once, sorted, and ignores optional ones', () => {
    assert.throws(() => render('${ZETA} ${ALPHA} ${ZETA} ${OPTIONAL:=x} ${SET}', { SET: 'y' }), {
      name: 'MissingVariablesError',
      missing: ['ALPHA', 'ZETA'],
      message:
        'value for variables [ALPHA, ZETA] is not set. Please set them with environment variables or flags',
    });
  });

  it('decides required-or-optional by the first occurrence, as clusterctl does', () => {
    assert.throws(() => render('${V} ${V:=x}'), MissingVariablesError);
    assert.equal(render('${V:=x} [${V}]'), 'x []');
  });
});

describe('envsubst syntax errors', () => {
  const syntaxError = (text: string): TemplateSyntaxError => {
    try {
      EnvsubstTemplate.parse(text, 'cluster.yaml');
    } catch (err) {
      if (err instanceof TemplateSyntaxError) return err;
      throw err;
    }
    assert.fail(`${text} parsed`);
  };

  it('rejects ${VAR-default} as drone/envsubst does, pointing at the supported forms', () => {
    const err = syntaxError('a: 1\nb: ${VAR-default}');
    assert.equal(err.line, 2);
    assert.equal(err.column, 4);
    assert.match(err.message, /^cluster\.yaml:2:4: missing closing brace/);
    assert.match(err.message, /\$\{VAR:-default\}/);
  });

  it('rejects an unclosed expression and an empty name', () => {
    assert.equal(syntaxError('${VAR').reason, 'missing closing brace');
    assert.equal(syntaxError('${VAR:=x').reason, 'unable to parse substitution within function');
    assert.equal(syntaxError('${}').reason, 'unable to parse variable name');
  });
});

describe('envsubst variable listing', () => {
  it('lists variables once each, in order of first appearance, with defaults as written', () => {
    assert.deepEqual(listVariables('${B}\n${A:=1}\n${B:=2}\n${C:-${D}}\n${E=}\n${F,,}\n$${ESCAPED}\n$BARE'), [
      { name: 'B' },
      { name: 'A', default: '1' },
      { name: 'C', default: '${D}' },
      { name: 'E', default: '' },
      { name: 'F' },
    ]);
  });
});
