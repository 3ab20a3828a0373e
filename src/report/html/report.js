(function () {
  'use strict';
  var doc = document;
  var findings = Array.prototype.slice.call(doc.querySelectorAll('.finding'));
  var files = Array.prototype.slice.call(doc.querySelectorAll('.file'));
  var severities = Array.prototype.slice.call(doc.querySelectorAll('input[name="severity"]'));
  var code = doc.getElementById('filter-code');
  var search = doc.getElementById('filter-text');
  var withSuppressed = doc.getElementById('filter-suppressed');
  var shown = doc.getElementById('shown');
  if (!code || !search || !shown) {
    doc.body.setAttribute('data-js', 'ready');
    return;
  }

  function apply() {
    var wanted = {};
    severities.forEach(function (box) { if (box.checked) { wanted[box.value] = true; } });
    var text = search.value.trim().toLowerCase();
    var count = 0;
    findings.forEach(function (f) {
      var suppressed = f.hasAttribute('data-suppressed');
      var visible = wanted[f.getAttribute('data-severity')] === true &&
        (code.value === '' || f.getAttribute('data-code') === code.value) &&
        (!suppressed || (withSuppressed && withSuppressed.checked)) &&
        (text === '' || f.textContent.toLowerCase().indexOf(text) !== -1);
      f.hidden = !visible;
      if (visible && !suppressed) { count += 1; }
    });
    files.forEach(function (file) {
      file.hidden = file.querySelector('.finding:not([hidden])') === null;
    });
    shown.textContent = String(count);
    shown.setAttribute('data-shown', String(count));
  }

  severities.forEach(function (box) { box.addEventListener('change', apply); });
  code.addEventListener('change', apply);
  search.addEventListener('input', apply);
  if (withSuppressed) { withSuppressed.addEventListener('change', apply); }

  function focusFindings() {
    var target = doc.getElementById('findings');
    if (target) { target.scrollIntoView({ behavior: 'smooth', block: 'start' }); }
  }
  Array.prototype.forEach.call(doc.querySelectorAll('[data-filter-code]'), function (el) {
    el.addEventListener('click', function () {
      code.value = el.getAttribute('data-filter-code');
      apply();
      focusFindings();
    });
  });
  Array.prototype.forEach.call(doc.querySelectorAll('[data-filter-severity]'), function (el) {
    el.addEventListener('click', function () {
      var only = el.getAttribute('data-filter-severity');
      severities.forEach(function (box) { box.checked = box.value === only; });
      apply();
      focusFindings();
    });
  });

  // A link can carry filters: `report.html#severity=critical,high&code=AWS001&q=deploy`.
  function fromHash() {
    var hash = window.location.hash.replace(/^#/, '');
    if (hash === '') { return; }
    hash.split('&').forEach(function (pair) {
      var eq = pair.indexOf('=');
      if (eq < 0) { return; }
      var key = pair.slice(0, eq);
      var value;
      try { value = decodeURIComponent(pair.slice(eq + 1)); } catch (e) { return; }
      if (key === 'severity') {
        var wanted = value.split(',');
        severities.forEach(function (box) { box.checked = wanted.indexOf(box.value) !== -1; });
      } else if (key === 'code') {
        code.value = value;
      } else if (key === 'q') {
        search.value = value;
      }
    });
  }

  fromHash();
  apply();
  doc.body.setAttribute('data-js', 'ready');
}());
