// What a save changed: the forms added, removed and edited between the
// stored analysis of a unit and a new one.
#pragma once

#include "analysis/form_index.h"

#include <vector>

namespace hotc::index {

enum class ChangeKind { Added, Removed, Edited };

const char *changeKindName(ChangeKind K);

struct FormChange {
  ChangeKind Kind = ChangeKind::Edited;
  Form Before; // empty when Added
  Form After;  // empty when Removed
  const Form &current() const { return Kind == ChangeKind::Removed ? Before : After; }
  bool signatureChanged() const;
  bool defaultArgumentsChanged() const;
  bool layoutChanged() const;
  // The form reads the same but uses other forms (a call now resolves to a
  // new overload, or to a callee whose signature changed).
  bool usesChanged() const;
};

// Changes from Old to New, by form identity, in New's order (removed forms
// last). Moving a form or reformatting it is no change.
std::vector<FormChange> diffForms(const FormIndex &Old, const FormIndex &New);

// Appends Changes to Into, leaving out forms already there: a header's
// forms come once from every unit that reads it.
void mergeChanges(std::vector<FormChange> &Into, std::vector<FormChange> Changes);

} // namespace hotc::index
