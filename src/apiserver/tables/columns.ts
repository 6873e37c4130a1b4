/** Column definitions most kinds share. */
import { column } from './types.ts';

export const NAME = column('Name', 'string', 'Name of the object, unique within its namespace.', { format: 'name' });
export const AGE = column('Age', 'string', 'Time since the object was created.');
export const CONTAINERS = column('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
export const IMAGES = column('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });
export const SELECTOR = column('Selector', 'string', 'Label query over the pods this object manages.', { priority: 1 });
