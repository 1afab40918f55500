// Typings for redis-parser 3 (it ships none): the reply parser used where Ferrite is a client.
declare module 'redis-parser' {
  interface RedisParserOptions {
    returnReply: (reply: never) => void;
    returnError: (error: Error) => void;
    returnFatalError?: (error: Error) => void;
    returnBuffers?: boolean;
    stringNumbers?: boolean;
  }
  export default class RedisParser {
    constructor(options: RedisParserOptions);
    execute(data: Buffer): void;
    reset(): void;
  }
}
