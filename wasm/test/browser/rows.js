// The rows the browser test logs, computed the same way on the page and in
// Node (which checks that the server holds exactly these).
export function testRow(i) {
  return { loss: Math.round(1e6 / (i + 1)) / 1e6, acc: (i % 100) / 100, epoch: i >> 5, phase: i % 2 ? 'odd' : 'even', nested: { lr: 0.1 / (1 + (i >> 6)) } };
}
