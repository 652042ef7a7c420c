// A value whose getter calls kv while set clones it. IndexedDB deactivates the
// transaction during the clone, so the nested write needs a transaction of its
// own; the outer set must still store what the getter returned.
const out = [];
for (const s of [kv.node('reentrant'), kv.node('reentrant'), kv.node('fresh-' + Math.random())]) {
	await s.set('warm', 0);
	let nested;
	const value = { get x() { nested = s.set('inner', 'from getter'); s.get('warm'); return 2; } };
	const p = s.set('outer', value);
	if (!(p instanceof Promise) || !(nested instanceof Promise)) throw new Error('not Promises');
	await p;
	await nested;
	out.push(JSON.stringify([await s.get('outer'), await s.get('inner')]));
}
return out.join('|');
