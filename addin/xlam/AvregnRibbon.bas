Attribute VB_Name = "AvregnRibbon"
Option Explicit

' The Felleskost ribbon (customUI14.xml): every button calls this one Sub, which hands the
' button's id to Python. The ids are the keys of addin.ribbon.BUTTONS; Python shows the one
' message box. Nothing else happens in VBA.
Sub OnAction(control As IRibbonControl)
    RunPython "import addin.ribbon; addin.ribbon.on_action('" & control.Id & "')"
End Sub
