/**
 * A response body sent with another status than the route's success status, and described by the same
 * response schema: how `GET /api/v1/health` answers 503 while the store cannot commit, so that load
 * balancers that read only the status take the broker out of rotation. The route lists the status in
 * `AdminRoute.otherStatuses`.
 * @module
 */

export class StatusBody {
  readonly status: number;
  readonly value: unknown;

  constructor(status: number, value: unknown) {
    this.status = status;
    this.value = value;
  }
}
