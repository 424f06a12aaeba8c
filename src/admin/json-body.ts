/**
 * A response body already written as JSON text, sent as it is (`application/json`) instead of being
 * serialized from a value: how a route answers with a state value embedded as its source gave it
 * (`stateValueJson`), which serializing the parsed value would change (`1.0` to `1`, the last digits
 * of `12345678901234567890`). The route's response schema still describes it (OpenAPI); the route
 * writes text of that shape.
 * @module
 */

export class JsonBody {
  /** Well-formed JSON text (the route builds it from parts that are). */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}
