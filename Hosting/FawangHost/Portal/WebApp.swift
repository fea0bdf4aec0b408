import Foundation
import Hummingbird
import NIOCore

/// The mobile client (移动客户端): the portal installs on a phone as a web app — a manifest, two
/// icons, and a service worker that keeps the pages' shell for use offline. The last progress
/// report a visitor looked at is kept on their device (portal.js) and shown on the progress page
/// when the network is gone.
extension Portal {
    func addWebApp(to router: Router<GatewayRequestContext>) {
        router.get("/manifest.webmanifest") { _, _ in Self.asset(Self.manifest, type: "application/manifest+json") }
        router.get("/sw.js") { _, _ in
            // The worker must not be cached long: a new version should reach phones at once.
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: Self.serviceWorker)))
        }
        router.get("/static/icon-192.png") { _, _ in Self.icon(Self.icon192) }
        router.get("/static/icon-512.png") { _, _ in Self.icon(Self.icon512) }
    }

    static func icon(_ base64: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "image/png", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(bytes: Data(base64Encoded: base64) ?? Data())))
    }

    static let manifest = """
        {
          "name": "12348宁夏法网",
          "short_name": "宁夏法网",
          "description": "宁夏公共法律服务：在线申请、进度查询、法律服务热线12348",
          "lang": "zh-CN",
          "start_url": "/",
          "scope": "/",
          "display": "standalone",
          "background_color": "#f6f4f1",
          "theme_color": "#b3261e",
          "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"}
          ]
        }
        """

    /// Network first for pages (always current when online), the cached copy when offline;
    /// the shell (pages, style, script, icons) is cached at install. Only GETs are handled: a form
    /// posted offline fails visibly rather than being queued.
    static let serviceWorker = """
        const CACHE = 'fawang-shell-v1';
        const SHELL = ['/', '/progress', '/apply', '/static/portal.css', '/static/portal.js', '/static/icon-192.png', '/manifest.webmanifest'];
        self.addEventListener('install', function (event) {
          event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
        });
        self.addEventListener('activate', function (event) {
          event.waitUntil(caches.keys().then(function (keys) {
            return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
          }).then(function () { return self.clients.claim(); }));
        });
        self.addEventListener('fetch', function (event) {
          const request = event.request;
          const url = new URL(request.url);
          if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/staff')) return;
          event.respondWith(fetch(request).then(function (response) {
            if (response.ok && SHELL.indexOf(url.pathname) >= 0) {
              const copy = response.clone();
              caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
            }
            return response;
          }).catch(function () {
            return caches.match(request).then(function (cached) { return cached || caches.match('/'); });
          }));
        });
        """

    static let icon192 = "iVBORw0KGgoAAAANSUhEUgAAAMAAAADACAIAAADdvvtQAAABrUlEQVR42u3asQ0AIAhFQSaxZP+EAXEDCuzM/bwJzHUYlUdaF55AAAkgASSAJIAEkAASQBJAAkgACSAJIAEkgASQBJAAEkACSABJAAkgASSAJIAEkAASQBJAAkgACSAJIAEkgASQAJIAEkACSABJAAkgASSAJIAEkAASQBJAAkgACSAJIP0FqG0cQAABBBBAAAEEEEAAAQQQQAABBBBAAAEEEEAAAQQQQAABBJABBBBAAAEEEEAAGUAAASQBJIAEkAASQJ5AAAkgASSAJKcMpwyADCCAAAIIIIAAAsgAAggggAACCCCAAAIIIIAAAggggAACCCCAAAIIIIAAAggggAwg+RMtASSABJAAkgASQAJIAElOGU4ZAAEEEEAAAQQQQAABBBBAAAEEEEAAAQQQQAAZQAABBBBAAAEEkAEEEEAAAQQQQAABBJD8iZYAEkACSAAJIAkgASSABJAEkAASQAJIAkgACSABJAEkgASQABJAEkACSAAJIAkgASSABJAEkAASQAJIAkgACSABJIAkgASQABJAEkACSAAJIAkgASSABJAEkAASQAJIAkhvXUpoOushf+KxAAAAAElFTkSuQmCC"
    static let icon512 = "iVBORw0KGgoAAAANSUhEUgAAAgAAAAIACAIAAAB7GkOtAAAHeUlEQVR42u3VQQ0AMAgEwSrhif+kAqkOenMZBTzYc7sACHScAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAEAAXAFAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABABAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABABAAFwBQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAQAAAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAGga8yC5wMIgACYCQACIABmAoAACICZACAAAmAmAAiAAJgJAAIgAGYCgAAIgJkAIAACYCYACIAAmAkAAiAAZgKAAAiAmQAgAAJgJgACgACYCYAAIABmAiAACICZAAgAAmAmAAKAAJgJgAAgAGYCIAAIgJkACAACYCYAAoAAmAmAACAAZgIgAAiAmQAIAF6ACQACIABmAoAACICZACAAAmAmAAiAAJgJAAIgAGYCgAAIgJkAIAACYCYACIAAmAkAAiAAZgKAAAiAmQAgAAJgJgAC4AQCYCYAAoAAmAmAACAAZgIgAAiAmQAIAAJgJgACgACYCYAAIABmAiAACICZAAgAAmAmAAKAAJgJgAAgAGYCIAAIgAmAJyAAAmAmAAiAAJgJAAIgAGYCgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAArDcmAXPBxAAATATAARAAMwEAAEQADMBQAAEwEwAEAABMBMABEAAzAQAARAAMwFAAATATAAQAAEwEwAEQADMBAABEAAzAUAABMBMAAQAATATAAFAAMwEQAAQADMBEAAEwEwABAABMBMAAUAAzARAABAAMwEQAATATAAEAAEwEwABQADMBEAAEAAzARAAvAATAARAAMwEAAEQADMBQAAEwEwAEAABMBMABEAAzAQAARAAMwFAAATATAAQAAEwEwAEQADMBAABEAAzAUAABMBMAATACQTATAAEAAEwEwABQADMBEAAEAAzARAABMBMAAQAATATAAFAAMwEQAAQADMBEAAEwEwABAABMBMAAUAAzARAABAAEwBPQAAEwEwAEAABMBMABEAAzAQAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAEAAABAAAAQBAAAAQAAAEAAABAEAAABAAAAQAAAEAQAAAEAAABAAAAQBAAAAQAAAEYLkxC54PIAACYCYACIAAmAkAAiAAZgKAAAiAmQAgAAJgJgAIgACYCQACIABmAoAACICZACAAAmAmAAiAAJgJAAIgAGYCgAAIgJkACAACYCYAAoAAmAmAACAAZgIgAAiAmQAIAAJgJgACgACYCYAAIABmAiAACICZAAgAAmAmAAKAAJgJgAAgAGYCIAB4ASYACIAAmAkAAiAAZgKAAAiAmQAgAAJgJgAIgACYCQACIABmAoAACICZACAAAmAmAAiAAJgJAAIgAGYCgAAIgJkACIATCICZAAgAAmAmAAKAAJgJgAAgAGYCIAAIgJkACAACYCYAAoAAmAmAACAAZgIgAAiAmQAIAAJgJgACgACYCYAAIAAmAJ6AAAiAmQAgAAJgJgAIgACYCQACAIAAACAAAAgAAAIAgAAAIAAACAAAAgAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgAgAK4AIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAIACuACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAACAAAAgAAAIAgAAAIAAACAAAAgCAAAAgAAAIAAACAIAAAAgAAAIAgAAAIAAA/OQB2oviAE8eTwsAAAAASUVORK5CYII="
}
