// bench/idb-worker.js — the reference for worker-node start: a Worker that only opens an
// IndexedDB database and reads one key, then says so.
self.onmessage = (e) => {
  const req = indexedDB.open(e.data.db, 1);
  req.onupgradeneeded = () => req.result.createObjectStore('s');
  req.onerror = () => self.postMessage({ type: 'error', error: { message: String(req.error) } });
  req.onsuccess = () => {
    const g = req.result.transaction('s').objectStore('s').get('x');
    g.onsuccess = () => self.postMessage({ type: 'send', msg: g.result ?? 0 });
    g.onerror = () => self.postMessage({ type: 'error', error: { message: String(g.error) } });
  };
};
