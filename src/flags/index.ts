export { createFlagCipher, type FlagCipher } from './flag-cipher.js';
export {
  createFlagRegister,
  FLAG_LEVELS,
  type FlagRegister,
  type FlagRecord,
  type FlagChange,
  type FlagChangeContext,
  type FlagRegisterDeps,
  type AuditSink,
} from './flag-register.js';
export { reviewDeadline } from './review-date.js';
