import { array, string } from '../../../core/api/openapi/schema-builder.js';

/**
 * A non-empty string of at most `maxLength` characters. Upstream bounds nearly every string of the kubeadm
 * API this way so CEL cost estimates stay finite; one helper keeps the limits readable next to the field.
 */
export const boundedString = (maxLength: number, description?: string) =>
  string({ minLength: 1, maxLength, description });

/** An atomic list of bounded strings (replaced whole by server-side apply, as upstream declares it). */
export const boundedStringList = (
  itemMaxLength: number,
  options: { description: string; minItems?: number; maxItems: number },
) => array(boundedString(itemMaxLength), { ...options, listType: 'atomic' });
