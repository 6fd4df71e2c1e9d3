export { crc32c, maskCrc, maskedCrc32c } from "./crc32c.js";
export { EventDecoder, type EventSink, tensorScalar } from "./event.js";
export { readTfEventsFile, type TfReadResult } from "./reader.js";
export { frameRecord, scanRecords } from "./record.js";
export {
  encodeFileVersionEvent,
  encodeScalarEvent,
  eventFileName,
  FILE_VERSION,
  type ScalarStyle,
  TfEventsWriter,
} from "./writer.js";
