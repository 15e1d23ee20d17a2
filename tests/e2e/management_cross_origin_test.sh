#!/usr/bin/env bash
# The management API is closed to web pages (issue #12): a page of another origin, in a real
# browser that trusts the HTTPS CA, cannot wipe the database (bodiless, text/plain, JSON and form
# POSTs to /reset) nor read the intermediate's private key, while a script still can.
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps --with-tests)"
[[ -d "$COBBLE_SOURCE_DIR/tests/e2e/portal/node_modules/playwright-core" ]] || fail "npm ci in tests/e2e/portal first"
start_cobble
mgmt=https://localhost:$MGMT_PORT
site=$WORK/site
mkdir -p "$site"
cat >"$site/attack.html" <<'HTML'
<!doctype html><title>loading</title>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="post" target="sink" enctype="text/plain"><input name='{"a":"' value='b"}'></form>
<script>
const mgmt = new URLSearchParams(location.search).get('mgmt');
const seen = {};
const attempt = async (name, url, init) => {
  try {
    const r = await fetch(url, init);
    seen[name] = r.type === 'opaque' ? 'sent (opaque)' : 'read ' + r.status + ' ' + (await r.text()).slice(0, 40);
  } catch (e) { seen[name] = 'blocked'; }
};
(async () => {
  await attempt('bodiless', mgmt + '/reset', {method: 'POST', mode: 'no-cors'});
  await attempt('text', mgmt + '/reset', {method: 'POST', mode: 'no-cors', body: '{}', headers: {'Content-Type': 'text/plain'}});
  await attempt('json', mgmt + '/reset', {method: 'POST', body: '{}', headers: {'Content-Type': 'application/json'}});
  await attempt('key', mgmt + '/intermediate-keys/0', {});
  const form = document.getElementById('f');
  form.action = mgmt + '/reset';
  form.submit();
  await new Promise(done => setTimeout(done, 1500));
  document.title = 'done ' + JSON.stringify(seen);
})();
</script>
HTML
site_port=$(free_port)
start_bg "$WORK/site.log" python3 -m http.server --bind 127.0.0.1 --directory "$site" "$site_port"
wait_until 10 "the attacking site answers" curl -sf -o /dev/null "http://127.0.0.1:$site_port/attack.html"

seen=$(cd "$COBBLE_SOURCE_DIR/tests/e2e/portal" &&
  ATTACK_URL="http://127.0.0.1:$site_port/attack.html?mgmt=$mgmt" node cross_origin.mjs) || fail "the browser run failed"
echo "the page saw: $seen"
[[ $(jq -r .key <<<"$seen") == blocked ]] || fail "the page could read the intermediate's key: $seen"
[[ $(jq -r .json <<<"$seen") == blocked ]] || fail "a JSON POST from the page got through its preflight: $seen"
if grep -q "reset: every account" "$COBBLE_LOG"; then fail "a web page wiped the database"; fi
# The requests did reach the server and were refused there (not only by the browser).
refused=$(grep -cE "management 127.0.0.1 POST /reset 403" "$COBBLE_LOG" || true)
((refused >= 3)) || fail "expected at least 3 refused POST /reset from the page, the log has $refused"
pass "a page of another origin: /reset refused $refused times, the key unreadable, nothing wiped"

# A script (no Origin) still can, with a JSON body.
[[ $(curl -s --cacert "$CA_CERT" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' \
  "$mgmt/reset") == 204 ]] || fail "a script's POST /reset was refused"
grep -q "reset: every account" "$COBBLE_LOG" || fail "the script's reset did not happen"
pass "a script's POST /reset {} still works"
