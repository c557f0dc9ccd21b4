// The update form: choosing a template fills in its stock text (in the chosen language) and its status.
// Stock text left as it is reaches each customer in their own language; edited text goes out as written.
(function () {
  const form = document.querySelector(".update-form");
  const data = document.getElementById("stock-texts");
  if (!form || !data) return;
  const stock = JSON.parse(data.textContent);
  const template = form.elements.template, message = form.elements.message;
  const language = form.elements.language, status = form.elements.status;
  const isStock = (text) => text.trim() === "" ||
    Object.values(stock).some((texts) => Object.values(texts).includes(text.trim()));

  function fill() {
    if (!template.value || !isStock(message.value)) return;
    message.value = stock[language.value][template.value];
    status.value = template.value;
  }
  template.addEventListener("change", fill);
  language.addEventListener("change", fill);
})();
