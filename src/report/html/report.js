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

  apply();
  doc.body.setAttribute('data-js', 'ready');
}());
