#pragma once
// The families qforge knows, one definition each (families/*.cpp); model_family.cpp lists them.
#include "model/model_family.h"

namespace qforge::families {

extern const ModelFamily kLlama;
extern const ModelFamily kQwen2;
extern const ModelFamily kQwen3;
extern const ModelFamily kQwen3Moe;
extern const ModelFamily kPhi3;
extern const ModelFamily kGemma2;
extern const ModelFamily kGemma3;

}  // namespace qforge::families
