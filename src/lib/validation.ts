/** The name and password rules of API.md §1, shared by request schemas and configuration. */
export const USER_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;
export const PHONE_RE = /^\+?[0-9]{6,20}$/;
/** 8-20 characters, one uppercase, one lowercase, one digit (lookaheads keep it one pattern). */
export const PASSWORD_RE = /^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{8,20}$/;
export const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$/;
export const CLUSTER_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
export const PROJECT_NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const PASSWORD_MESSAGE = 'must be 8-20 characters with at least one uppercase letter, one lowercase letter and one digit';
export const USER_NAME_MESSAGE = 'must start with a letter and have at most 32 letters, digits, "_", "." or "-"';
export const PHONE_MESSAGE = 'must be 6-20 digits, optionally starting with "+"';
