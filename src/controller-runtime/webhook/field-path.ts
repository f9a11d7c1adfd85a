/**
 * A field path rendered the way apimachinery's `field.Path` renders it (`spec.template.metadata.labels`,
 * `spec.items[2]`, `spec.workers.machineDeployments[md-0]`), so denials carry the same `field` as upstream's.
 */
export class FieldPath {
  readonly #text: string;

  private constructor(text: string) {
    this.#text = text;
  }

  static of(...names: string[]): FieldPath {
    return new FieldPath('').child(...names);
  }

  child(...names: string[]): FieldPath {
    let text = this.#text;
    for (const name of names) text = text ? `${text}.${name}` : name;
    return new FieldPath(text);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.#text}[${i}]`);
  }

  /** A map key or list-map key, e.g. a MachineDeployment topology addressed by its name. */
  key(key: string): FieldPath {
    return new FieldPath(`${this.#text}[${key}]`);
  }

  toString(): string {
    return this.#text;
  }
}
