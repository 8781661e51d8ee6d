// A filter with too many choices to list on the page (campaigns, owners) is a text field that
// offers, as one types, the few choices its own address (data-picker on the field's wrapper)
// answers for the letters typed. Arrow keys move through them, Enter picks, Escape closes; a
// tap or click picks too. Picking writes the choice's label in the field and, where the
// wrapper names one (data-picker-value), its value in a hidden field; typing again clears that
// value, so the server reads the text as typed. Without this script the text field alone works.
// The list is a listbox the field points to (aria-activedescendant), as in mentions.js.
(function () {
  "use strict";

  var state = { field: null, choices: [], active: -1, request: 0, timer: 0 };

  function wrapper(field) {
    return field && field.closest ? field.closest("[data-picker]") : null;
  }

  function list(field) {
    var box = document.getElementById(field.id + "-choices");
    if (!box) {
      box = document.createElement("ul");
      box.id = field.id + "-choices";
      box.className = "picker-choices";
      box.setAttribute("role", "listbox");
      box.hidden = true;
      box.addEventListener("mousedown", function (event) {
        var option = event.target.closest("[role=option]");
        event.preventDefault(); // keep the focus in the field
        if (option) {
          choose(Number(option.dataset.index));
        }
      });
      field.parentNode.insertBefore(box, field.nextSibling);
    }
    return box;
  }

  // The page marks the field a combobox; the list it controls exists once this script runs.
  function prepare(field) {
    if (!field.hasAttribute("aria-controls")) {
      field.setAttribute("aria-controls", list(field).id);
    }
  }

  function close() {
    var field = state.field;
    if (field) {
      list(field).hidden = true;
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }
    state.choices = [];
    state.active = -1;
  }

  function show(field, choices) {
    var box = list(field);
    box.textContent = "";
    choices.forEach(function (choice, index) {
      var option = document.createElement("li");
      option.id = field.id + "-choice-" + index;
      option.setAttribute("role", "option");
      option.dataset.index = String(index);
      var label = document.createElement("span");
      label.textContent = choice.label;
      option.appendChild(label);
      if (choice.hint && choice.hint !== choice.label) {
        var hint = document.createElement("span");
        hint.className = "picker-hint";
        hint.textContent = choice.hint;
        option.append(" ", hint);
      }
      box.appendChild(option);
    });
    if (!choices.length) {
      var none = document.createElement("li");
      none.className = "picker-none";
      none.textContent = wrapper(field).dataset.pickerNone || "";
      box.appendChild(none);
    }
    state.choices = choices;
    box.hidden = false;
    field.setAttribute("aria-expanded", choices.length ? "true" : "false");
    highlight(-1);
  }

  function highlight(index) {
    var field = state.field;
    state.active = index;
    list(field)
      .querySelectorAll("[role=option]")
      .forEach(function (option, at) {
        option.setAttribute("aria-selected", at === index ? "true" : "false");
        if (at === index) {
          option.scrollIntoView({ block: "nearest" });
        }
      });
    if (index >= 0) {
      field.setAttribute("aria-activedescendant", field.id + "-choice-" + index);
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }

  function valueField(field) {
    var id = wrapper(field).dataset.pickerValue;
    return id ? document.getElementById(id) : null;
  }

  // The form reloads its results on an input event (htmx): tell it the filter changed.
  function changed(field) {
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function choose(index) {
    var choice = state.choices[index];
    var field = state.field;
    if (!choice || !field) {
      return;
    }
    var hidden = valueField(field);
    field.value = choice.label;
    if (hidden) {
      hidden.value = choice.value;
    } else {
      field.value = choice.value;
    }
    field.dataset.picked = field.value;
    close();
    field.focus();
    changed(field);
  }

  function lookUp(field) {
    var request = ++state.request;
    var url = wrapper(field).dataset.picker;
    fetch(url + "?q=" + encodeURIComponent(field.value.trim()), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { choices: [] };
      })
      .then(function (answer) {
        if (request === state.request && document.activeElement === field) {
          state.field = field;
          show(field, answer.choices || []);
        }
      })
      .catch(close);
  }

  function isPicker(target) {
    return target && target.matches && target.matches("[data-picker] input[type=text]");
  }

  document.querySelectorAll("[data-picker] input[type=text]").forEach(prepare);

  document.addEventListener("focusin", function (event) {
    if (isPicker(event.target)) {
      prepare(event.target);
      event.target.dataset.picked = event.target.value;
    }
  });

  // Capture: the person's own typing reaches the picker, not the form, which reloads only
  // once a choice is picked or the field is left.
  document.addEventListener(
    "input",
    function (event) {
      var field = event.target;
      if (!isPicker(field) || !event.isTrusted) {
        return;
      }
      event.stopPropagation();
      var hidden = valueField(field);
      if (hidden) {
        hidden.value = "";
      }
      state.field = field;
      clearTimeout(state.timer);
      state.timer = setTimeout(function () {
        lookUp(field);
      }, 150);
    },
    true,
  );

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!isPicker(field)) {
      return;
    }
    state.field = field;
    var count = state.choices.length;
    var open = !list(field).hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open || !count) {
        lookUp(field);
      } else {
        var down = event.key === "ArrowDown";
        var from = state.active < 0 ? (down ? -1 : count) : state.active;
        highlight((from + (down ? 1 : -1) + count) % count);
      }
    } else if (event.key === "Enter" && open && state.active >= 0) {
      event.preventDefault();
      choose(state.active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (!isPicker(field)) {
      return;
    }
    if (field === state.field) {
      close();
    }
    if (field.value !== field.dataset.picked) {
      // Typed and left without picking: the form reads the text as it is.
      field.dataset.picked = field.value;
      changed(field);
    }
  });
})();
