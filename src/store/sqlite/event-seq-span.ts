/**
 * The range of stored events' seqs a row of many deliveries covers (a delivery manifest in `queue.db`, decision 0108;
 * a delivered run in `deliveries.db`, decision 0109). Both tables are searched for an event by the rows whose first
 * event seq lies at most `maxSpan` below it, so a row being filled must not grow past that span: `admits` says whether
 * one more event fits. Items that name no event (`undefined`) fit anywhere and do not move the range.
 */
export class EventSeqSpan {
  first: number | null = null;
  last: number | null = null;

  constructor(private readonly maxSpan: number) {}

  admits(seq: number | undefined): boolean {
    if (seq === undefined || this.first === null || this.last === null) return true;
    return Math.max(this.last, seq) - Math.min(this.first, seq) <= this.maxSpan;
  }

  add(seq: number | undefined): void {
    if (seq === undefined) return;
    this.first = this.first === null ? seq : Math.min(this.first, seq);
    this.last = this.last === null ? seq : Math.max(this.last, seq);
  }
}
