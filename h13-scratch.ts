import { messageJsonSchema } from './src/messages/json-schemas.js';
console.log(JSON.stringify(messageJsonSchema('arrest-notification'), null, 1).slice(0, 6000));
