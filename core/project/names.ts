/** The names a model or seed may have: they become SQL identifiers and file names. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
