/** The error every config problem is reported with (defined beside the shared validator in common/). */
export { ConfigError } from '../../../common/config-schema.js';
