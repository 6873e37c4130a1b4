/**
 * The two topology domains with the fewest matching pods for one constraint, kept up to date
 * as counts change, so Filter reads the global minimum in O(1) however many domains exist.
 * Like upstream's criticalPaths it is exact when counts only drop and a close bound when they
 * grow (a what-if adding pods), which is all preemption needs.
 */
export class CriticalPaths {
  private values: [string, string] = ['', ''];
  private nums: [number, number] = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

  /** The smallest count (MAX_SAFE_INTEGER while no domain is known). */
  get min(): number {
    return this.nums[0];
  }

  update(value: string, num: number): void {
    const i = value === this.values[0] ? 0 : value === this.values[1] ? 1 : undefined;
    if (i !== undefined) {
      this.nums[i] = num;
      if (this.nums[0] > this.nums[1]) {
        this.values = [this.values[1], this.values[0]];
        this.nums = [this.nums[1], this.nums[0]];
      }
    } else if (num < this.nums[0]) {
      this.values = [value, this.values[0]];
      this.nums = [num, this.nums[0]];
    } else if (num < this.nums[1]) {
      this.values[1] = value;
      this.nums[1] = num;
    }
  }

  clone(): CriticalPaths {
    const c = new CriticalPaths();
    c.values = [...this.values];
    c.nums = [...this.nums];
    return c;
  }
}
