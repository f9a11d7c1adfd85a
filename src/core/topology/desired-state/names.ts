// Names of the objects a topology creates, as upstream's `internal/topology/names` makes them: objects from the
// class's `naming.template` (Go text/template, `missingkey=error`), cloned templates from a `<cluster>-[<md>-]`
// prefix plus a random suffix. Names are only generated for new objects; existing ones keep theirs.
import { parseTemplate } from '../../util/go-template/index.js';
import { RANDOM_LENGTH, randomString } from '../../util/random-string.js';
import { NameTemplateError, type DesiredStateErrorSubject } from './errors.js';

const MAX_NAME_LENGTH = 63;
const MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH;
/** The template name upstream parses with; it shows in Go's error texts. */
const TEMPLATE_NAME = 'template name generator';

export const DEFAULT_INFRASTRUCTURE_CLUSTER_NAME_TEMPLATE = '{{ .cluster.name }}-{{ .random }}';
export const DEFAULT_CONTROL_PLANE_NAME_TEMPLATE = '{{ .cluster.name }}-{{ .random }}';
export const DEFAULT_MACHINE_DEPLOYMENT_NAME_TEMPLATE =
  '{{ .cluster.name }}-{{ .machineDeployment.topologyName }}-{{ .random }}';

/** Makes the random part of names; tests pass a fixed one. */
export type RandomSource = () => string;
export const defaultRandom: RandomSource = () => randomString(RANDOM_LENGTH);

export interface RenderNameInput {
  subject: DesiredStateErrorSubject;
  /** The class's `naming.template`; `defaultTemplate` when empty or unset. */
  template: string | undefined;
  defaultTemplate: string;
  clusterName: string;
  /** Kind-specific data, e.g. `{ machineDeployment: { topologyName } }`. */
  data?: Record<string, unknown>;
  random?: RandomSource;
}

/** Renders a naming template; overlong results are cut and given a random suffix, as upstream does. */
export function renderName(input: RenderNameInput): string {
  const random = input.random ?? defaultRandom;
  const template = input.template ? input.template : input.defaultTemplate;
  const data = { ...input.data, cluster: { name: input.clusterName }, random: random() };
  let name: string;
  try {
    name = parseTemplate(template, { name: TEMPLATE_NAME }).execute(data, { missingKey: 'error' });
  } catch (cause) {
    throw new NameTemplateError(input.subject, template, { cause });
  }
  if (name.length > MAX_NAME_LENGTH) name = name.slice(0, MAX_GENERATED_NAME_LENGTH) + random();
  return name;
}

/** The prefix of cloned MachineDeployment templates (`<cluster>-<topology>-`) or of the CP machine template (`<cluster>-`). */
export const templateNamePrefix = (clusterName: string, topologyName?: string): string =>
  topologyName === undefined ? `${clusterName}-` : `${clusterName}-${topologyName}-`;

/** apiserver's `SimpleNameGenerator`: the prefix, cut to leave room, plus a random suffix. */
export const simpleName = (prefix: string, random: RandomSource = defaultRandom): string =>
  prefix.slice(0, MAX_GENERATED_NAME_LENGTH) + random();
