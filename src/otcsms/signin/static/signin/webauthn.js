// WebAuthn for otcsms: enrol a security key (data-webauthn="register") and sign in with one ("login").
// The server (py_webauthn) makes the options and checks the answers; this only carries them to the browser.
(function () {
  "use strict";
  function b64urlToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf(), "Content-Type": "application/json"},
      body: body === undefined ? "{}" : JSON.stringify(body)}).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.detail || ("HTTP " + r.status));
        return data;
      });
    });
  }
  function creationOptions(o) {
    o.challenge = b64urlToBuf(o.challenge);
    o.user.id = b64urlToBuf(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
    return o;
  }
  function requestOptions(o) {
    o.challenge = b64urlToBuf(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
    return o;
  }
  function registrationJSON(cred, name) {
    return {id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type, name: name,
      response: {clientDataJSON: bufToB64url(cred.response.clientDataJSON),
                 attestationObject: bufToB64url(cred.response.attestationObject),
                 transports: cred.response.getTransports ? cred.response.getTransports() : []},
      clientExtensionResults: cred.getClientExtensionResults()};
  }
  function assertionJSON(cred) {
    var r = cred.response;
    return {id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type,
      response: {clientDataJSON: bufToB64url(r.clientDataJSON), authenticatorData: bufToB64url(r.authenticatorData),
                 signature: bufToB64url(r.signature), userHandle: r.userHandle ? bufToB64url(r.userHandle) : null},
      clientExtensionResults: cred.getClientExtensionResults()};
  }
  function fail(err) {
    var box = document.getElementById("webauthn-error");
    if (box) { box.textContent = String(err && err.message || err); box.hidden = false; }
  }
  function done(data) {
    if (data.recovery_codes && data.recovery_codes.length) {
      var main = document.getElementById("main");
      main.innerHTML = "<h1>Recovery codes</h1><p>Keep these codes somewhere safe. Each works once; they are shown only now.</p>";
      var ul = document.createElement("ul");
      ul.id = "recovery-codes";
      data.recovery_codes.forEach(function (c) { var li = document.createElement("li"); li.textContent = c; ul.appendChild(li); });
      main.appendChild(ul);
      var a = document.createElement("a");
      a.href = data.next; a.textContent = "I have saved them"; a.className = "button primary";
      main.appendChild(a);
      return;
    }
    window.location.assign(data.next || "/");
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-webauthn]");
    if (!button) return;
    ev.preventDefault();
    if (!window.PublicKeyCredential) { fail("This browser does not support security keys."); return; }
    button.disabled = true;
    var finish = button.getAttribute("data-finish-url");
    var chain;
    if (button.getAttribute("data-webauthn") === "register") {
      var nameInput = document.getElementById("webauthn-name");
      var name = nameInput ? nameInput.value : "Security key";
      chain = post(button.getAttribute("data-options-url")).then(function (o) {
        return navigator.credentials.create({publicKey: creationOptions(o)});
      }).then(function (cred) { return post(finish, registrationJSON(cred, name)); });
    } else {
      chain = post(button.getAttribute("data-options-url")).then(function (o) {
        return navigator.credentials.get({publicKey: requestOptions(o)});
      }).then(function (cred) { return post(finish, assertionJSON(cred)); });
    }
    chain.then(done).catch(fail).then(function () { button.disabled = false; });
  });
})();
