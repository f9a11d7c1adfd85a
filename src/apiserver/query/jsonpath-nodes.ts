/** The syntax tree of a Kubernetes JSONPath template (client-go `util/jsonpath/node.go`). */

export interface JsonPathListNode {
  readonly type: 'List';
  readonly nodes: JsonPathNode[];
}

/** One bound of `[start:end:step]`; `derived` marks the end implied by a single index (`[i]` = `[i:i+1]`). */
export interface JsonPathSliceParam {
  readonly known: boolean;
  readonly value: number;
  readonly derived: boolean;
}

export type JsonPathNode =
  | JsonPathListNode
  | { readonly type: 'Text'; readonly text: string }
  | { readonly type: 'Field'; readonly name: string }
  | { readonly type: 'Identifier'; readonly name: string }
  | {
      readonly type: 'Array';
      readonly params: readonly [JsonPathSliceParam, JsonPathSliceParam, JsonPathSliceParam];
    }
  | {
      readonly type: 'Filter';
      readonly left: JsonPathListNode;
      readonly right: JsonPathListNode;
      /** `==`, `!=`, `<`, `>`, `<=`, `>=`, `exists`, or whatever run of `!<>=` was written (rejected when evaluated). */
      readonly operator: string;
    }
  | { readonly type: 'Int'; readonly value: number }
  | { readonly type: 'Float'; readonly value: number }
  | { readonly type: 'Bool'; readonly value: boolean }
  | { readonly type: 'Wildcard' }
  | { readonly type: 'Recursive' }
  | { readonly type: 'Union'; readonly nodes: readonly JsonPathListNode[] };

/**
 * A parsed template: literal text and `{…}` actions in order. Each action is evaluated from the root
 * object; `{range …}` … `{end}` repeat the actions between them per element.
 */
export interface JsonPathTemplate {
  readonly source: string;
  readonly root: JsonPathListNode;
}
